"""Other terminal chat apps through the same scenarios as `tmux_stream.py`, in the same run as
tui-chat and the baselines, so "faster than X" is measured, not remembered.

    python benchmarks/peers.py --install            # once: elia-chat and oterm from PyPI
    python benchmarks/peers.py [--app PATH ...] [--startup-runs 5] [--stream] [--tokens 2000]

Each peer lives in a throwaway venv under the system temp dir (`tui-chat-peers/<name>`),
installed with that venv's own pip only when --install is given. Every app gets temporary
HOME / XDG folders, so no user configuration is read or written.

- start-up (every peer): launch -> first screen up (alternate screen, not blank) -> a typed
  word shown on screen, as tui-chat's start-up in `tmux_stream.py`, except that the word is
  typed again every 0.25 s until it shows (elia drops keys typed while it is still starting).
- streaming (--stream; elia only): elia is pointed at the loopback server through a temporary
  `config.toml` (an OpenAI-compatible model with `api_base`); then the same "long N at T"
  scenario as tui-chat, with the same CPU, lag and follow figures.
- oterm is not streamed: it speaks only Ollama's own API (`/api/chat`, JSON lines), and the
  loopback server (`tests/fakeserver.py`) speaks the OpenAI one. Its start-up is tried; on
  2026-12-01 (machine busy) its screen was still blank after 30 s, so it was not measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tmux_stream as bench

PEERS_DIR = Path(tempfile.gettempdir()) / "tui-chat-peers"
PACKAGES = {"elia": "elia-chat", "oterm": "oterm"}


@dataclass(frozen=True)
class Peer(bench.Subject):
    """A peer app: ready once it paints on the alternate screen; idle when its last line shows
    and a second passed (peers have no status word to wait for)."""

    home: str = ""

    def is_ready(self, term: bench.Terminal, screen: str) -> bool:
        return bool(screen.strip()) and term.alternate_screen()

    def is_stream_ready(self, term: bench.Terminal, screen: str) -> bool:
        return self.is_ready(term, screen)

    def echoed(self, screen: str, word: str) -> bool:
        return word in screen

    @property
    def types_while_streaming(self) -> bool:
        return False

    def is_idle(self, screen: str) -> bool:
        return True


def executable(name: str) -> Path:
    return PEERS_DIR / name / "bin" / name


def install() -> None:
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    for name, package in PACKAGES.items():
        venv = PEERS_DIR / name
        if executable(name).exists():
            print(f"{name}: already installed in {venv}")
            continue
        print(f"{name}: installing {package} into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", package], check=True)


def elia_config(home: Path, url: str) -> None:
    config = home / ".config" / "elia"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        'default_model = "fake-model"\n\n'
        "[[models]]\n"
        'name = "openai/fake-model"\n'
        'id = "fake-model"\n'
        'display_name = "fake-model"\n'
        f'api_base = "{url}"\n'
        'api_key = "bench-key"\n'
    )


def peer_subjects(home: Path) -> list[Peer]:
    found = []
    for name in PACKAGES:
        path = executable(name)
        if path.exists():
            send = "C-j" if name == "elia" else "Enter"  # Enter adds a line in elia's prompt
            found.append(Peer(name, "peer", (str(path),), name, send, 0.25, home=str(home)))
        else:
            print(f"{name}: not installed (run with --install)")
    return found


@contextlib.contextmanager
def private_home() -> Iterator[Path]:
    """HOME and XDG folders of our own for the peers (they read ~/.config and ~/.local)."""
    with tempfile.TemporaryDirectory(prefix="tui-chat-peer-home-") as tmp:
        saved = {k: os.environ.get(k) for k in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME")}
        os.environ.update(HOME=tmp, XDG_CONFIG_HOME=f"{tmp}/.config", XDG_DATA_HOME=f"{tmp}/.local/share")
        try:
            yield Path(tmp)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--install", action="store_true", help="install the peers, then exit")
    parser.add_argument("--app", action="append", metavar="PATH", help="tui-chat executables too")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--stream", action="store_true", help="also stream into elia")
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--tps", type=float, default=200.0)
    args = parser.parse_args()
    if args.install:
        install()
        return
    apps = [bench.tui_chat_subject(path) for path in (args.app or [bench.tui_chat_command()])]
    printer, bare = bench.baseline_subjects()
    with private_home() as home:
        peers = peer_subjects(home)
        # The tmux server inherits this environment, so the peers see the private HOME.
        print(f"start-up: {args.startup_runs} launches of each ...", flush=True)
        found = bench.measure_startup([*apps, bare, printer], args.startup_runs)
        for peer in peers:  # one that cannot be driven must not cost the others' figures
            try:
                found |= bench.measure_startup([peer], args.startup_runs)
            except SystemExit as exc:
                print(f"{peer.name}: start-up not measured: {exc}")
        bench.print_startup(found)
        elia = next((p for p in peers if p.name == "elia"), None)
        if args.stream and elia is not None:
            server = bench.Server(args.tps)
            elia_config(home, server.url)
            server.close()  # run_once starts its own; elia's config is rewritten per run below
            results = [bench.run_once(s, args.tokens, args.tps, 0) for s in [printer, *apps]]
            results.append(run_elia(elia, home, args.tokens, args.tps))
            bench.print_table(results)
    print("oterm: not streamed (it speaks only Ollama's /api/chat; the loopback server is OpenAI's API)")


def run_elia(elia: Peer, home: Path, tokens: int, tps: float) -> bench.Result:
    """tmux_stream.run_once, with elia's config pointing at that run's server."""
    reply = bench.Reply(tokens)
    result = bench.Result(subject=elia.name, tokens=tokens, tps=tps, load_before=os.getloadavg()[0])
    server = bench.Server(tps)
    term = bench.Terminal(f"tui-chat-peer-{os.getpid()}")
    try:
        elia_config(home, server.url)
        term.start(" ".join(elia.command), {"TERM": "xterm-256color"})
        return bench.measure(elia, term, server, reply, result)
    finally:
        term.close()
        server.close()


if __name__ == "__main__":
    main()
