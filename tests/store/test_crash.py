"""kill -9 in the middle of a streamed reply: the text up to the last checkpoint survives and
the reply reopens as interrupted.

The child records a reply the way `tui-chat ask` will (an asyncio loop feeding the recorder
token by token) and reports each token with its time; the parent kills it mid-stream. Once
`ask` writes sessions, the same check runs against a real `tui-chat ask` process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tui_chat.engine.conversation import Conversation
from tui_chat.store import SessionStore

INTERVAL = 0.25
# Allowance for the writer thread's commit on a busy machine, on top of the interval.
COMMIT_ALLOWANCE = 0.25

CHILD = """
import asyncio, sys, time
from pathlib import Path
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import MessageAdded, TextDelta
from tui_chat.store import SessionRecorder

async def main() -> None:
    conv = Conversation(model="fake-model")
    recorder = SessionRecorder(Path(sys.argv[1]), conv, checkpoint_interval=float(sys.argv[2]))
    recorder.record_user_message(conv.add(Message("user", "Tell me a long story"))).result()
    if sys.argv[3] == "branch":  # a first reply, then regenerate: the story streams on a branch
        conv.add(Message("assistant", "Once upon a time."))
        recorder.sync().result()
        del conv.messages[1:]
        recorder.sync().result()
    reply = conv.add(Message("assistant", "", status="streaming"))
    recorder.handle(MessageAdded(reply))
    print("session", conv.id, flush=True)
    for i in range(1_000_000):
        piece = f"w{i} "
        reply.content += piece
        recorder.handle(TextDelta(reply.id, piece))
        print("token", i, time.monotonic(), flush=True)
        await asyncio.sleep(0.002)  # the pace of a fast token stream

asyncio.run(main())
"""


def full_text(tokens: int) -> str:
    return "".join(f"w{i} " for i in range(tokens))


def test_kill_9_mid_reply_loses_at_most_the_last_checkpoint_interval(db_path: Path) -> None:
    saved = kill_mid_reply(db_path, "plain")
    assert len(saved.tree) == 2


def test_kill_9_mid_reply_on_a_branch_reopens_that_branch_with_its_sibling_intact(db_path: Path) -> None:
    saved = kill_mid_reply(db_path, "branch")
    question = saved.messages[0]
    assert [m.content for m in saved.tree.children(question.id)] == [
        "Once upon a time.",
        saved.messages[1].content,
    ]


def kill_mid_reply(db_path: Path, mode: str) -> Conversation:
    """Run the child, kill -9 it a second into the reply, and check what reopens: the
    question and the interrupted reply, all but the last interval of it."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(INTERVAL), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    token_times: list[float] = []
    try:
        assert child.stdout is not None
        first = child.stdout.readline().split()
        assert first[0] == "session", child.stderr.read() if child.stderr else ""
        session_id = first[1]
        for line in child.stdout:
            _, index, at = line.split()
            assert int(index) == len(token_times)
            token_times.append(float(at))
            if token_times[-1] - token_times[0] >= 1.0:  # several checkpoints in
                break
        killed_at = time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    with SessionStore.open(db_path) as store:
        assert store.warning is None
        conversation = store.load(session_id)

    user, reply = conversation.messages
    assert (user.content, conversation.title) == ("Tell me a long story", "Tell me a long story")
    assert reply.status == "interrupted"
    assert reply.status_detail == "tui-chat stopped while this reply was streaming"
    saved = reply.content or ""
    streamed = full_text(len(saved.split()) + 1)
    assert streamed.startswith(saved)  # whole tokens, in order, nothing invented
    must_have = sum(1 for t in token_times if t <= killed_at - INTERVAL - COMMIT_ALLOWANCE)
    assert must_have > 0
    assert saved.startswith(full_text(must_have))
    return conversation
