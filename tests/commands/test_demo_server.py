"""`tui-chat demo-server`: the demo bot runs from the installed package (not tests/), and the
app's engine talks to it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    # Run from an empty folder: only the installed package is importable, not the checkout's tests/.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "demo-server", "--port", "0"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": ""},
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = proc.stdout.readline().strip()
        hint = proc.stderr.readline()
        yield url, hint
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_demo_server_answers_ask(demo_server: tuple[str, str], tmp_path: Path) -> None:
    url, hint = demo_server
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    assert f"tui-chat --base-url {url} --model fake-model" in hint
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "ask",
            "--base-url",
            url,
            "--model",
            "fake-model",
            "--no-save",
            "count the characters in 'strawberry'",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    assert "10" in done.stdout


def test_a_taken_port_is_one_line_and_status_1(demo_server: tuple[str, str], tmp_path: Path) -> None:
    port = demo_server[0].split(":")[2].split("/")[0]
    done = subprocess.run(
        [sys.executable, "-m", "tui_chat", "demo-server", "--port", port],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"cannot listen on 127.0.0.1:{port}") and "Traceback" not in done.stderr
