"""Schema version 6: a session remembers the endpoint it talks to (issue 14)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.store import SessionStore
from tui_chat.store.schema import LATEST_VERSION

# Written by main 883452a (schema version 5), see make_v5_db.py beside it.
V5_DATABASE = Path(__file__).parent / "fixtures" / "v5-883452a.sqlite3"


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_a_version_5_database_gains_endpoints_and_keeps_its_sessions(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(V5_DATABASE, db_path)
    assert user_version(db_path) == 5
    with SessionStore.open(db_path) as store:
        assert store.warning is None
        old = store.load("v5-session")
        assert [m.content for m in old.messages] == ["What grows in shade?", "Ferns and hostas."]
        assert (old.model, old.endpoint) == ("llama3", None)  # saved before endpoints
        [summary] = store.list_sessions()
        assert summary.endpoint is None
        old.endpoint = "local"
        old.add(Message("user", "And in sun?"))
        store.save_conversation(old)
    assert user_version(db_path) == LATEST_VERSION
    with SessionStore.open(db_path) as store:
        again = store.load("v5-session")
        assert again.endpoint == "local"
        assert [m.content for m in again.messages][-1] == "And in sun?"
        assert store.list_sessions()[0].endpoint == "local"


def test_a_session_reopens_on_its_endpoint_and_a_fork_keeps_it(store: SessionStore) -> None:
    conversation = Conversation(model="qwen", endpoint="work")
    first = conversation.add(Message("user", "hello"))
    conversation.add(Message("assistant", "hi"))
    store.save_conversation(conversation)
    assert store.load(conversation.id).endpoint == "work"
    fork = store.fork(conversation.id, first.id)
    assert store.load(fork).endpoint == "work"
