"""Start-up with MCP servers: the installed `tui-chat` in tmux (120x40), with 0, 1 and 4 stdio
MCP servers (tests/tools/mcp/servers/tools_server.py) in <config dir>/mcp.json.

For each run it measures, polling the screen every 10 ms:
- **first paint**: from launching the command until the app's footer and model are on screen;
- **key echo**: a word typed right then, until it shows inside the prompt box (the prompt takes
  keys while the servers start: the SDK import and the spawning must not hold the event loop);
- **all servers ready**: from launch until the sidebar lists every server as ready (MCP runs).

    python benchmarks/mcp_startup.py [--runs 3] [--servers 0,1,4] [--before /work/base/.venv/bin/tui-chat]

`--before` also times another tui-chat (e.g. today's main, which ignores mcp.json) with the same
config, for a same-run comparison. Prints figures and the machine's load; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeserver import FakeServer  # noqa: E402

SERVER = ROOT / "tests" / "tools" / "mcp" / "servers" / "tools_server.py"
TMUX = shutil.which("tmux") or "tmux"


def tmux(socket: str, *args: str) -> str:
    done = subprocess.run([TMUX, "-L", socket, "-f", os.devnull, *args], capture_output=True, text=True)
    return done.stdout


def one_run(
    command: str, servers: int, base_url: str, expect_ready: bool
) -> tuple[float, float, float | None]:
    with tempfile.TemporaryDirectory() as temp:
        config = Path(temp) / "config"
        config.mkdir()
        entries = {f"s{i}": {"command": sys.executable, "args": [str(SERVER)]} for i in range(servers)}
        if servers:
            (config / "mcp.json").write_text(json.dumps({"mcpServers": entries}))
        env = f"TUI_CHAT_CONFIG_DIR={config} TUI_CHAT_DATA_DIR={temp}/data TERM=xterm-256color"
        socket = f"mcp-bench-{os.getpid()}"
        full = f"env -u COLUMNS -u LINES {env} {command} --base-url {base_url} --api-key k --model fake-model"
        word = "zqxjv"
        started = time.monotonic()
        tmux(socket, "new-session", "-d", "-s", "b", "-x", "120", "-y", "40", full)
        painted = echo = ready = None
        sent = 0.0
        try:
            deadline = started + 120
            while time.monotonic() < deadline:
                screen = tmux(socket, "capture-pane", "-p", "-t", "b")
                now = time.monotonic() - started
                if painted is None and "Send" in screen and "fake-model" in screen:
                    painted = now
                    tmux(socket, "send-keys", "-t", "b", "-l", word)
                    sent = time.monotonic() - started
                # Inside the app's prompt box.
                in_prompt = any(word in line and "│" in line for line in screen.splitlines())
                if painted is not None and echo is None and in_prompt:
                    echo = now - sent
                if servers and screen.count("ready, 8 tools") >= servers and ready is None:
                    ready = now
                if echo is not None and (ready is not None or not expect_ready or not servers):
                    break
                time.sleep(0.01)
        finally:
            tmux(socket, "kill-server")
        nan = float("nan")
        return (painted if painted is not None else nan), (echo if echo is not None else nan), ready


def busy() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f} / {load[1]:.2f} (1 / 5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default="0,1,4")
    parser.add_argument("--before", help="another tui-chat to time the same way (e.g. today's main)")
    args = parser.parse_args()
    after = str(Path(sys.executable).with_name("tui-chat"))
    counts = [int(n) for n in args.servers.split(",")]
    print(f"# {busy()}")
    with FakeServer() as fake:
        apps = [("after", after, True)] + ([("before", args.before, False)] if args.before else [])
        for label, command, expect_ready in apps:
            for servers in counts:
                paints, echoes, readies = [], [], []
                for _ in range(args.runs):
                    painted, echo, ready = one_run(command, servers, fake.url, expect_ready)
                    paints.append(painted)
                    echoes.append(echo)
                    if ready is not None:
                        readies.append(ready)
                line = f"{label:6}  {servers} servers  first paint median {statistics.median(paints):.2f} s"
                line += f" ({', '.join(f'{p:.2f}' for p in paints)})"
                line += f"  then key echo median {statistics.median(echoes):.3f} s"
                line += f" ({', '.join(f'{e:.3f}' for e in echoes)})"
                if readies:
                    line += f"  all servers ready median {statistics.median(readies):.2f} s"
                print(line, flush=True)
    print(f"# {busy()}")


if __name__ == "__main__":
    main()
