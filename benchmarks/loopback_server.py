"""Start the loopback demo server (`tests/fakeserver.py`) in a subprocess, for the benchmarks:
its CPU is then not the measured client's. Imports nothing of tui-chat."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_server(tps: float) -> tuple[subprocess.Popen[str], str]:
    """The server process and its base URL; it streams at `tps` chunks a second."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeserver", "--port", "0", "--tps", str(tps)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"the fake server did not start: {url!r}")
    return proc, url
