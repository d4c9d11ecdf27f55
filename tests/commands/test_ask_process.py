"""`tui-chat ask` as a real process: end to end, and Ctrl+C mid-reply."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from unittest.mock import ANY

import pytest

from tests.fakeserver import FakeServer, long_markdown

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def start_ask(*argv: str) -> subprocess.Popen[bytes]:
    # os.environ is already isolated by the autouse fixture (config dir, no real keys).
    return subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "ask", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:  # a failed assertion must not leave a process behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_end_to_end_tool_call_json(fake_server: FakeServer, processes: list[subprocess.Popen[bytes]]) -> None:
    proc = start_ask("--base-url", fake_server.url, "--json", "count the characters in 'hello world'")
    processes.append(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    events = [json.loads(line) for line in out.decode().splitlines()]
    assert [e["type"] for e in events if e["type"] != "text"] == [
        "tool_call",
        "finish",
        "tool_result",
        "finish",
        "done",
    ]
    assert events[-1]["content"] == "The tool returned: 11"


def test_missing_key_exits_2_without_traceback(processes: list[subprocess.Popen[bytes]]) -> None:
    proc = start_ask("hi")
    processes.append(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert out == b""
    assert err.decode().count("\n") == 1 and "OPENAI_API_KEY" in err.decode()


def read_until_text(proc: subprocess.Popen[bytes]) -> bytes:
    """Read stdout as it arrives until some reply text shows up (no sleeping)."""
    assert proc.stdout is not None
    received = b""
    while not received.strip():
        piece = os.read(proc.stdout.fileno(), 4096)
        if not piece:
            raise AssertionError(
                f"process ended early: {proc.wait()} {proc.stderr.read() if proc.stderr else ''!r}"
            )
        received += piece
    return received


@pytest.mark.parametrize("json_mode", [False, True])
def test_ctrl_c_mid_reply_stops_cleanly_with_exit_130(
    fake_server: FakeServer, processes: list[subprocess.Popen[bytes]], json_mode: bool
) -> None:
    # The demo bot streams "long N at RATE" slowly: several seconds, so the interrupt lands mid-reply.
    proc = start_ask("--base-url", fake_server.url, *(["--json"] if json_mode else []), "long 600 at 60")
    processes.append(proc)
    first = read_until_text(proc)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    out = (first + rest).decode()

    assert proc.returncode == 130
    assert "Traceback" not in err.decode()
    full_reply = long_markdown(600)
    if json_mode:
        events = [json.loads(line) for line in out.splitlines()]
        partial = "".join(e["delta"] for e in events if e["type"] == "text")
        assert events[-1] == {
            "type": "done",
            "content": partial,
            "status": "interrupted",
            "session": ANY,
            "context": ANY,
        }
    else:
        partial = out.rstrip("\n")
        assert "interrupted" in err.decode()
    assert partial and full_reply.startswith(partial) and len(partial) < len(full_reply)
    # The HTTP stream was closed, not left running.
    request = fake_server.chat_requests[0]
    assert request.wait_finished(timeout=10)
    assert request.disconnected


def test_reader_going_away_ends_quietly(
    fake_server: FakeServer, processes: list[subprocess.Popen[bytes]]
) -> None:
    # `tui-chat ask ... | head -c 20`: the pipe closes while the reply still streams.
    proc = start_ask("--base-url", fake_server.url, "long 600 at 60")
    processes.append(proc)
    read_until_text(proc)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 1
    assert b"Traceback" not in err and b"BrokenPipe" not in err
