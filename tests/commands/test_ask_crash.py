"""A real `tui-chat ask` process killed mid-reply: what it printed is what the store kept.

`kill -9`: the saved reply is a prefix of what was printed, missing at most the last checkpoint
interval (250 ms) plus a commit allowance, and reopens as interrupted. `kill -INT` (Ctrl+C):
the stopped reply is saved whole, as interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.fakeserver import FakeServer, long_markdown
from tui_chat.engine.conversation import Conversation
from tui_chat.store import SessionStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

INTERVAL = 0.25  # the recorder's checkpoint interval
COMMIT_ALLOWANCE = 0.25  # the writer thread's commit on a busy machine, on top of the interval
TOKENS = 2000
PROMPT = f"long {TOKENS} at 200"  # the demo bot: 4 characters every 5 ms, about 10 s in all
FULL_REPLY = long_markdown(TOKENS)


@pytest.fixture
def ask_process(fake_server: FakeServer) -> Iterator[subprocess.Popen[bytes]]:
    # The autouse fixture already points TUI_CHAT_DATA_DIR at this test's own directory.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "ask",
            "--base-url",
            fake_server.url,
            "--api-key",
            "sk-test",
            PROMPT,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    yield proc
    if proc.poll() is None:  # a failed assertion must not leave a process behind
        proc.kill()
    proc.wait(timeout=30)


def read_for(proc: subprocess.Popen[bytes], seconds: float) -> list[tuple[float, bytes]]:
    """Read stdout as it arrives, each piece with the time it arrived, until the text received
    spans `seconds` (several checkpoints in)."""
    assert proc.stdout is not None
    pieces: list[tuple[float, bytes]] = []
    while not pieces or pieces[-1][0] - pieces[0][0] < seconds:
        piece = os.read(proc.stdout.fileno(), 65536)
        if not piece:
            stderr = proc.stderr.read() if proc.stderr else b""
            raise AssertionError(f"ask ended early ({proc.wait()}): {stderr.decode()}")
        pieces.append((time.monotonic(), piece))
    return pieces


def read_rest(proc: subprocess.Popen[bytes]) -> bytes:
    """What the process printed that was still in the pipe when it ended."""
    assert proc.stdout is not None
    rest = proc.stdout.read()
    proc.wait(timeout=30)
    return rest


def saved_conversation() -> Conversation:
    with SessionStore.open() as store:
        assert store.warning is None
        session_id = store.most_recent_id()
        assert session_id is not None
        return store.load(session_id)


def test_kill_9_mid_reply_keeps_all_but_the_last_quarter_second(
    ask_process: subprocess.Popen[bytes],
) -> None:
    pieces = read_for(ask_process, 1.0)
    killed_at = time.monotonic()
    ask_process.send_signal(signal.SIGKILL)
    printed = (b"".join(p for _, p in pieces) + read_rest(ask_process)).decode()
    assert ask_process.returncode == -signal.SIGKILL

    conversation = saved_conversation()

    user, reply = conversation.messages
    assert (user.role, user.content) == ("user", PROMPT)
    assert conversation.title == PROMPT
    assert reply.role == "assistant" and reply.status == "interrupted"
    saved = reply.content or ""
    assert printed.startswith(saved)  # nothing saved that the user did not see, in order
    assert FULL_REPLY.startswith(printed) and len(printed) < len(FULL_REPLY)  # really mid-reply
    # Everything that had arrived a checkpoint interval (plus the commit allowance) before the
    # kill was printed by then, so it must have been committed.
    deadline = killed_at - INTERVAL - COMMIT_ALLOWANCE
    must_have = b"".join(p for at, p in pieces if at <= deadline).decode()
    assert must_have, "no text arrived early enough to be sure of a checkpoint"
    assert saved.startswith(must_have)


def test_kill_9_then_continue_sends_the_partial_reply(
    ask_process: subprocess.Popen[bytes], fake_server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui_chat.cli import main

    read_for(ask_process, 0.3)
    ask_process.send_signal(signal.SIGKILL)
    read_rest(ask_process)
    saved = saved_conversation().messages[-1].content

    code = main(["ask", "--base-url", fake_server.url, "--api-key", "sk-test", "--continue", "go on"])

    assert code == 0, capsys.readouterr().err
    sent = fake_server.chat_requests[-1].json["messages"]
    assert sent == [
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": saved},
        {"role": "user", "content": "go on"},
    ]


def test_ctrl_c_mid_reply_saves_the_stopped_reply_whole(ask_process: subprocess.Popen[bytes]) -> None:
    pieces = read_for(ask_process, 0.3)
    ask_process.send_signal(signal.SIGINT)
    printed = (b"".join(p for _, p in pieces) + read_rest(ask_process)).decode()
    assert ask_process.returncode == 130

    conversation = saved_conversation()

    user, reply = conversation.messages
    assert user.content == PROMPT
    assert reply.status == "interrupted"
    # Every character shown, nothing more (ask ends the printed line after an interruption).
    assert printed in (reply.content, f"{reply.content}\n")
    assert reply.content and FULL_REPLY.startswith(reply.content) and len(reply.content) < len(FULL_REPLY)
