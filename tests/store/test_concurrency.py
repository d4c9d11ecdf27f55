"""Two instances writing at once: nothing corrupted, nothing lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from tests.store.support import chat
from tui_chat.engine.conversation import Message
from tui_chat.store import SessionRecorder, SessionStore


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_two_connections_saving_at_the_same_time_keep_every_session(
    db_path: Path, store: SessionStore, other_store: SessionStore
) -> None:
    start = threading.Barrier(2)

    def save_many(target: SessionStore, name: str) -> None:
        start.wait()
        for i in range(60):
            target.save_conversation(chat(f"{name} {i}", "answer " * 50))

    threads = [threading.Thread(target=save_many, args=(s, n)) for s, n in ((store, "a"), (other_store, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    titles = {s.title for s in store.list_sessions()}
    assert titles == {f"{n} {i}" for n in "ab" for i in range(60)}
    assert len(other_store.search("answer", limit=500)) == 120
    assert integrity(db_path) == "ok"


def test_two_recorders_appending_to_one_session_keep_both_sides(
    store: SessionStore, other_store: SessionStore
) -> None:
    original = chat("shared start")
    store.save_conversation(original)
    left = SessionRecorder(store, store.load(original.id))
    right = SessionRecorder(other_store, other_store.load(original.id))
    for i in range(10):  # interleaved, as two windows would
        for name, recorder in (("left", left), ("right", right)):
            message = recorder.conversation.add(Message("user", f"{name} {i}"))
            recorder.record_user_message(message)
    left.close()
    right.close()

    # Each window appended to its own end: two branches, both whole.
    contents = [m.content for m, _ in store.load(original.id).tree.nodes()]
    assert contents[0] == "shared start"
    assert sorted(c or "" for c in contents[1:]) == sorted(
        f"{n} {i}" for n in ("left", "right") for i in range(10)
    )
    assert [c for c in contents if c and c.startswith("left")] == [f"left {i}" for i in range(10)]


# Each child appends a streamed turn per round to the shared session and also saves
# sessions of its own, printing "ready" first and waiting for "go" so both write together.
CHILD = """
import sys
from pathlib import Path
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import MessageAdded, TextDelta, TurnEnded
from tui_chat.store import SessionRecorder, SessionStore

path, name, shared_id = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = SessionStore.open(path)
conv = store.load(shared_id)
recorder = SessionRecorder(store, conv, checkpoint_interval=0.0)  # write on every token
print("ready", flush=True)
sys.stdin.readline()
for i in range(15):
    recorder.record_user_message(conv.add(Message("user", f"{name} question {i}")))
    reply = conv.add(Message("assistant", "", status="streaming"))
    recorder.handle(MessageAdded(reply))
    for word in range(10):
        reply.content += f"{name}{i}w{word} "
        recorder.handle(TextDelta(reply.id, "x"))
    reply.status = "complete"
    recorder.handle(TurnEnded(reply.content, "answered"))
    own = Conversation(model="m")
    own.add(Message("user", f"{name} own session {i}"))
    store.save_conversation(own)
recorder.close()
store.close()
print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_nothing(db_path: Path, store: SessionStore) -> None:
    shared = chat("shared between processes")
    store.save_conversation(shared)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db_path), name, shared.id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "done"

    # Each process continued its own branch: every message is in the tree.
    messages = [m for m, _ in store.load(shared.id).tree.nodes()]
    assert len(messages) == 1 + 2 * 15 * 2
    for name in ("left", "right"):
        questions = [m.content for m in messages if m.role == "user" and name in (m.content or "")]
        assert questions == [f"{name} question {i}" for i in range(15)]  # in order
        answers = [m for m in messages if m.role == "assistant" and (m.content or "").startswith(name)]
        assert [a.content for a in answers] == [
            "".join(f"{name}{i}w{w} " for w in range(10)) for i in range(15)
        ]
        assert all(a.status == "complete" for a in answers)
    own = {s.title for s in store.list_sessions()} - {"shared between processes"}
    assert own == {f"{n} own session {i}" for n in ("left", "right") for i in range(15)}
    assert integrity(db_path) == "ok"
