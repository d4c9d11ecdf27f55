"""CPU of a headless client of the same stream: `tui-chat ask`, the app's engine without a UI.

    python benchmarks/headless_client.py [--tokens 8000] [--tps 200] [--app PATH ...]

The UI's own CPU while streaming is the app's CPU (`tmux_stream.py`, "app CPU to last line")
minus what this prints for the same tokens and rate, taken in the same run: the engine, the SDK
and the transport cost the same with or without a screen. Each `--app` (default: the tui-chat
beside this Python) is run twice against a fresh loopback server: once for `long N at T` and three
times for a one-word reply (median); the difference is the stream's CPU without start-up (imports, config).
CPU = utime + stime of the `ask` process from `os.wait4`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loopback_server import start_server

ROOT = Path(__file__).resolve().parent.parent


def ask_cpu(app: str, url: str, prompt: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one `tui-chat ask` run."""
    with tempfile.TemporaryDirectory(prefix="tui-chat-headless-") as tmp:
        env = {
            **os.environ,
            "TUI_CHAT_CONFIG_DIR": str(Path(tmp) / "config"),
            "TUI_CHAT_DATA_DIR": str(Path(tmp) / "data"),
            "OPENAI_API_KEY": "bench",
        }
        argv = [app, "ask", "--base-url", url, "--model", "fake-model", "--no-save", "--no-tools", prompt]
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"{app} ask exited with status {status}")
        return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=8000)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--app", action="append", help="a tui-chat executable (repeatable)")
    args = parser.parse_args()
    apps = args.app or [str(Path(sys.executable).with_name("tui-chat"))]
    for app in apps:
        proc, url = start_server(args.tps)
        try:
            baseline = statistics.median(ask_cpu(app, url, "hi")[0] for _ in range(3))
            total, wall = ask_cpu(app, url, f"long {args.tokens} at {args.tps:g}")
        finally:
            proc.kill()
            proc.wait()
        stream = total - baseline
        print(
            f"{app}: long {args.tokens} at {args.tps:g}: {total:.2f} s CPU in {wall:.1f} s "
            f"(a one-word reply: {baseline:.2f} s) -> the stream: {stream:.2f} s CPU, "
            f"{stream / wall * 100:.0f} % of a core"
        )


if __name__ == "__main__":
    main()
