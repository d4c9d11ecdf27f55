"""The database layout and its forward migrations, tracked with `PRAGMA user_version`.

`MIGRATIONS[n]` takes a database from version n to n + 1. A released step is never edited:
changes go into a new step appended at the end.

- Version 1: the sessions and messages tables.
- Version 2: full-text search (FTS5) over message content and session titles, kept in sync
  by triggers and back-filled from existing rows.
- Version 3: `messages.reasoning`, a reasoning model's thinking (not searched, never sent back).
- Version 4: `sessions.message_count` (user and assistant messages), kept by triggers, so the
  session list does not count 100,000 messages each time it is shown; and the message index
  rebuilt with a one-letter prefix index, so the browser's first keystroke (one letter, which
  matches nearly every message) does not merge hundreds of words' lists.
- Version 5: conversations are trees (issue 10). `messages.parent_id` (the message before it on
  its branch; NULL at the root), `messages.used` (when a leaf was last switched to),
  `sessions.current_leaf` (the end of the branch on screen), `sessions.origin_session` /
  `origin_message` (where a fork came from). The linear history becomes one branch; each
  earlier version a regenerate kept (`previous_versions`) becomes a sibling reply under its
  turn's user message, and the column is emptied (the siblings are the versions now).
  `position` stays: it is the depth on the branch.
- Version 6: `sessions.endpoint`, the name of the endpoint (issue 14: `[endpoints.NAME]`) the
  session talks to, so it reopens on it; NULL for older sessions (they go on with the endpoint
  in use, and remember it from then on).
- Version 7: attachments (issue 12). `attachments` holds each file's bytes once, keyed by their
  sha256 (the same file attached twice, in any session, is stored once); `message_attachments`
  links a message to its attachments in order, with the name it was attached under. Nothing
  existing changes (no message had attachments). Self-contained: it may be renumbered.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable

# A step is an SQL statement, or a function for what SQL alone cannot say (JSON to rows).
Step = str | Callable[[sqlite3.Connection], None]

_VERSION_1 = (
    """
    CREATE TABLE sessions (
        seq INTEGER PRIMARY KEY,  -- stable integer key the FTS index points at
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        created REAL NOT NULL,
        updated REAL NOT NULL,  -- last use; the session list is sorted by it
        model TEXT,
        provider TEXT,
        system_prompt TEXT,
        archived INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        -- Not unique: two instances appending to one session both keep their messages.
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        content TEXT,
        tool_calls TEXT,  -- JSON list of {id, name, arguments}
        tool_call_id TEXT,
        name TEXT,
        model TEXT,
        usage TEXT,  -- JSON object
        status TEXT NOT NULL DEFAULT 'complete',
        status_detail TEXT,
        activity TEXT,  -- JSON {status, duration, arguments, error}
        previous_versions TEXT,  -- JSON list of strings
        created REAL NOT NULL,
        UNIQUE (session_id, id)
    )
    """,
    "CREATE INDEX messages_in_order ON messages (session_id, position, seq)",
    "CREATE INDEX sessions_by_use ON sessions (archived, updated)",
)

_VERSION_2 = (
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE VIRTUAL TABLE sessions_fts USING fts5(
        title, content='sessions', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
    END
    """,
    """
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    END
    """,
    # Checkpoints rewrite a streaming reply often; re-index only when the text really changed.
    """
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
    WHEN old.content IS NOT new.content BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
        INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
    END
    """,
    """
    CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
        INSERT INTO sessions_fts (rowid, title) VALUES (new.seq, new.title);
    END
    """,
    """
    CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO sessions_fts (sessions_fts, rowid, title) VALUES ('delete', old.seq, old.title);
    END
    """,
    """
    CREATE TRIGGER sessions_fts_update AFTER UPDATE OF title ON sessions
    WHEN old.title IS NOT new.title BEGIN
        INSERT INTO sessions_fts (sessions_fts, rowid, title) VALUES ('delete', old.seq, old.title);
        INSERT INTO sessions_fts (rowid, title) VALUES (new.seq, new.title);
    END
    """,
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
    "INSERT INTO sessions_fts (sessions_fts) VALUES ('rebuild')",
)

_VERSION_3 = ("ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT ''",)

_COUNTED = "('user', 'assistant')"  # the roles a reader counts as the chat
_VERSION_4 = (
    "ALTER TABLE sessions ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0",
    f"""
    UPDATE sessions SET message_count = (
        SELECT count(*) FROM messages m WHERE m.session_id = sessions.id AND m.role IN {_COUNTED}
    )
    """,
    f"""
    CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
    WHEN new.role IN {_COUNTED} BEGIN
        UPDATE sessions SET message_count = message_count + 1 WHERE id = new.session_id;
    END
    """,
    f"""
    CREATE TRIGGER messages_count_delete AFTER DELETE ON messages
    WHEN old.role IN {_COUNTED} BEGIN
        UPDATE sessions SET message_count = message_count - 1 WHERE id = old.session_id;
    END
    """,
    # An upsert rewrites the role with the same value: only a change of counted-ness counts.
    f"""
    CREATE TRIGGER messages_count_update AFTER UPDATE OF role ON messages
    WHEN (old.role IN {_COUNTED}) IS NOT (new.role IN {_COUNTED}) BEGIN
        UPDATE sessions
        SET message_count = message_count + CASE WHEN new.role IN {_COUNTED} THEN 1 ELSE -1 END
        WHERE id = new.session_id;
    END
    """,
    # The triggers of version 2 keep working: they name the table, which is the same again.
    "DROP TABLE messages_fts",
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2',
        prefix='1'
    )
    """,
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
)


def _earlier_versions_as_siblings(conn: sqlite3.Connection) -> None:
    """Each earlier version becomes an assistant reply under the turn's user message, created
    just before the first reply of the turn (siblings are ordered by creation)."""
    holders = conn.execute(
        "SELECT seq, session_id, position, model, previous_versions FROM messages "
        "WHERE previous_versions IS NOT NULL AND previous_versions NOT IN ('', '[]')"
    ).fetchall()
    for seq, session_id, position, model, versions_json in holders:
        try:
            versions = [v for v in json.loads(versions_json) if isinstance(v, str)]
        except ValueError:
            continue  # unreadable: left in the column rather than lost
        user = conn.execute(
            "SELECT id, position FROM messages WHERE session_id = ? AND role = 'user' "
            "AND (position < ? OR (position = ? AND seq < ?)) ORDER BY position DESC, seq DESC LIMIT 1",
            (session_id, position, position, seq),
        ).fetchone()
        if user is None or not versions:
            continue
        user_id, user_position = user
        first = conn.execute(
            "SELECT created FROM messages WHERE session_id = ? AND parent_id = ? "
            "ORDER BY created, seq LIMIT 1",
            (session_id, user_id),
        ).fetchone()
        anchor = float(first[0])
        for n, text in enumerate(versions):
            conn.execute(
                "INSERT INTO messages (session_id, id, position, role, content, model, status, "
                "created, parent_id) VALUES (?, ?, ?, 'assistant', ?, ?, 'complete', ?, ?)",
                (
                    session_id,
                    uuid.uuid4().hex,
                    user_position + 1,
                    text,
                    model,
                    anchor - (len(versions) - n) * 1e-3,
                    user_id,
                ),
            )
        conn.execute("UPDATE messages SET previous_versions = NULL WHERE seq = ?", (seq,))


_VERSION_5: tuple[Step, ...] = (
    "ALTER TABLE messages ADD COLUMN parent_id TEXT",
    "ALTER TABLE messages ADD COLUMN used REAL",
    "ALTER TABLE sessions ADD COLUMN current_leaf TEXT",
    "ALTER TABLE sessions ADD COLUMN origin_session TEXT",
    "ALTER TABLE sessions ADD COLUMN origin_message TEXT",
    # The stored order was the one branch there was: each message's parent is the one before it.
    """
    UPDATE messages SET parent_id = ordered.parent_id
    FROM (
        SELECT seq, lag(id) OVER (PARTITION BY session_id ORDER BY position, seq) AS parent_id
        FROM messages
    ) AS ordered
    WHERE messages.seq = ordered.seq
    """,
    """
    UPDATE sessions SET current_leaf = (
        SELECT m.id FROM messages m WHERE m.session_id = sessions.id ORDER BY m.position DESC, m.seq DESC
        LIMIT 1
    )
    """,
    _earlier_versions_as_siblings,
)

# Self-contained: the endpoint's name only (never its URL or key).
_VERSION_6 = ("ALTER TABLE sessions ADD COLUMN endpoint TEXT",)

_VERSION_7: tuple[Step, ...] = (
    """
    CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        kind TEXT NOT NULL,  -- "text" or "image"
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    )
    """,
    """
    CREATE TABLE message_attachments (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        sha256 TEXT NOT NULL REFERENCES attachments(sha256),
        name TEXT NOT NULL,
        PRIMARY KEY (session_id, message_id, position)
    )
    """,
    "CREATE INDEX message_attachments_by_blob ON message_attachments (sha256)",
)

MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    _VERSION_1,
    _VERSION_2,
    _VERSION_3,
    _VERSION_4,
    _VERSION_5,
    _VERSION_6,
    _VERSION_7,
)
LATEST_VERSION = len(MIGRATIONS)


class NewerSchema(Exception):
    """The database was written by a newer tui-chat; this version must not touch it."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"it was written by a newer tui-chat (schema version {found}; "
            f"this version understands up to {LATEST_VERSION})"
        )
        self.found = found


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database up to `LATEST_VERSION`; returns the version it started at.

    The connection must be in autocommit mode (isolation_level=None). The version is re-read
    inside the write transaction, so two instances starting at once migrate only once.
    """
    found = schema_version(conn)
    if found > LATEST_VERSION:
        raise NewerSchema(found)
    if found == LATEST_VERSION:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        start = schema_version(conn)
        if start > LATEST_VERSION:
            raise NewerSchema(start)
        for steps in MIGRATIONS[start:]:
            for step in steps:
                if isinstance(step, str):
                    conn.execute(step)
                else:
                    step(conn)
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return start
