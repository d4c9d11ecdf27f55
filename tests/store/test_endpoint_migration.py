"""Schema version 6: a session remembers the endpoint it talks to (issue 14), in the store and
through a JSON export and import."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.store import SessionStore
from tui_chat.store.export import import_json, to_json, to_markdown
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


def test_the_json_export_keeps_the_endpoint_through_import(store: SessionStore) -> None:
    conversation = Conversation(model="qwen", endpoint="work")
    conversation.add(Message("user", "hello"))
    store.save_conversation(conversation)
    text = to_json(store.load(conversation.id), store.summary(conversation.id))
    assert json.loads(text)["session"]["endpoint"] == "work"
    store.delete(conversation.id)

    import_json(store, text)

    assert store.load(conversation.id).endpoint == "work"
    assert store.summary(conversation.id).endpoint == "work"  # `sessions --endpoint work` finds it
    assert "- Endpoint: work" in to_markdown(store.load(conversation.id), store.summary(conversation.id))


@pytest.mark.parametrize("version", [1, 2])
def test_an_export_without_an_endpoint_still_imports(store: SessionStore, version: int) -> None:
    message = {"id": "u", "role": "user", "content": "hi", "created": 100.0}
    session = {"id": f"old-{version}", "model": "llama3", "messages": [message]}
    import_json(store, json.dumps({"format": "tui-chat-session", "version": version, "session": session}))
    loaded = store.load(f"old-{version}")
    assert (loaded.endpoint, [m.content for m in loaded.messages]) == (None, ["hi"])
