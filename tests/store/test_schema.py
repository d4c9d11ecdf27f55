"""Schema versions and forward migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.store.support import chat
from tui_chat.store import SessionStore
from tui_chat.store.schema import LATEST_VERSION, MIGRATIONS

# The first released schema, written out by hand (not taken from MIGRATIONS) so the test
# notices if anyone edits a released step.
VERSION_1 = """
CREATE TABLE sessions (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT, created REAL NOT NULL,
    updated REAL NOT NULL, model TEXT, provider TEXT, system_prompt TEXT,
    archived INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    id TEXT NOT NULL, position INTEGER NOT NULL, role TEXT NOT NULL, content TEXT,
    tool_calls TEXT, tool_call_id TEXT, name TEXT, model TEXT, usage TEXT,
    status TEXT NOT NULL DEFAULT 'complete', status_detail TEXT, activity TEXT,
    previous_versions TEXT, created REAL NOT NULL, UNIQUE (session_id, id)
);
CREATE INDEX messages_in_order ON messages (session_id, position, seq);
CREATE INDEX sessions_by_use ON sessions (archived, updated);
INSERT INTO sessions (id, title, created, updated, model)
    VALUES ('old-session', 'Old times', 1600000000, 1600000100, 'gpt-3.5-turbo');
INSERT INTO messages (session_id, id, position, role, content, status, created) VALUES
    ('old-session', 'm1', 0, 'user', 'Tell me about gardening', 'complete', 1600000000),
    ('old-session', 'm2', 1, 'assistant', 'Tomatoes love sunshine', 'streaming', 1600000050);
PRAGMA user_version = 1;
"""


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_starts_at_the_latest_version(db_path: Path) -> None:
    with SessionStore.open(db_path):
        pass
    assert user_version(db_path) == LATEST_VERSION == len(MIGRATIONS)


def test_a_version_1_database_is_migrated_and_its_history_searchable(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(VERSION_1)
    conn.close()

    with SessionStore.open(db_path) as store:
        assert store.warning is None
        [summary] = store.list_sessions()
        assert (summary.id, summary.title, summary.message_count) == ("old-session", "Old times", 2)
        loaded = store.load("old-session")
        assert [m.content for m in loaded.messages] == ["Tell me about gardening", "Tomatoes love sunshine"]
        assert loaded.messages[1].status == "interrupted"
        # Full-text search arrived in version 2: old rows were indexed during the migration.
        assert [h.session_id for h in store.search("tomato")] == ["old-session"]
        assert [h.message_id for h in store.search("old times")] == [None]
    assert user_version(db_path) == LATEST_VERSION


def test_opening_twice_does_not_migrate_twice(db_path: Path) -> None:
    with SessionStore.open(db_path) as first, SessionStore.open(db_path) as second:
        assert first.warning is None and second.warning is None
    assert user_version(db_path) == LATEST_VERSION


def test_a_database_from_a_newer_version_is_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()

    with SessionStore.open(db_path) as store:
        assert store.warning is not None
        assert str(db_path) in store.warning and "newer tui-chat" in store.warning
        assert "will not be saved" in store.warning
        assert store.is_temporary and store.path != db_path
        conv = chat("still works")
        store.save_conversation(conv)  # this run can still save, just not permanently
        assert [s.id for s in store.list_sessions()] == [conv.id]

    assert db_path.read_bytes() == before
    assert list(db_path.parent.iterdir()) == [db_path]


def test_a_version_2_database_gains_reasoning_and_keeps_its_rows(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(VERSION_1)
    for statement in MIGRATIONS[1]:  # version 1 -> 2, as released
        assert isinstance(statement, str)  # steps before version 5 are all SQL
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()

    with SessionStore.open(db_path) as store:
        assert store.warning is None
        loaded = store.load("old-session")
        assert [m.reasoning for m in loaded.messages] == ["", ""]
        assert [h.session_id for h in store.search("tomato")] == ["old-session"]
        conv = chat("why?")
        conv.messages[0].reasoning = "kept"  # any role round-trips; replies are what carry it
        store.save_conversation(conv)
        assert store.load(conv.id).messages[0].reasoning == "kept"
    assert user_version(db_path) == LATEST_VERSION


def test_a_version_3_database_gains_message_counts_that_follow_every_change(db_path: Path) -> None:
    """Version 3 is what today's released code writes: its sessions keep their counts."""
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript(VERSION_1)
    for steps in MIGRATIONS[1:3]:  # version 1 -> 3, as released
        for statement in steps:
            assert isinstance(statement, str)
            conn.execute(statement)
    conn.execute(
        "INSERT INTO messages (session_id, id, position, role, content, created) "
        "VALUES ('old-session', 't1', 2, 'tool', 'a tool result is not counted', 1600000060)"
    )
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()

    with SessionStore.open(db_path) as store:
        assert store.summary("old-session").message_count == 2  # user + assistant, not the tool
        conv = store.load("old-session")
        conv.messages.append(chat("one more?").messages[0])
        store.save_conversation(conv)
        assert store.summary("old-session").message_count == 3
        conv.messages[:] = conv.messages[:1]  # a cut path: the rest stays, as another branch
        store.save_conversation(conv)
        assert store.summary("old-session").message_count == 3  # every branch counts
        assert [s.message_count for s in store.list_sessions()] == [3]
        reopened = store.load("old-session")
        assert [m.content for m in reopened.messages] == ["Tell me about gardening"]
        assert len(reopened.tree) == 4
    assert user_version(db_path) == LATEST_VERSION
