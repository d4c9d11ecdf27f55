"""The write statements, shared by the store's own calls and the recorder's writer thread.

Every batch is one `BEGIN IMMEDIATE` transaction: a concurrent instance waits (busy timeout)
rather than failing, and a crash leaves either all of a batch or none of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tui_chat.attachments.model import Attachment
from tui_chat.store.rows import MESSAGE_COLUMNS, MessageRow, SessionRow

_UPSERT_SESSION = """
INSERT INTO sessions (
    id, title, created, updated, model, provider, system_prompt, archived, current_leaf,
    origin_session, origin_message, endpoint
)
VALUES (
    :id, :title, :created, :updated, :model, :provider, :system_prompt, coalesce(:archived, 0),
    :current_leaf, :origin_session, :origin_message, :endpoint
)
ON CONFLICT (id) DO UPDATE SET
    title = CASE WHEN :explicit THEN coalesce(excluded.title, title) ELSE coalesce(title, excluded.title) END,
    updated = max(updated, excluded.updated),
    model = excluded.model,
    provider = coalesce(excluded.provider, provider),
    system_prompt = excluded.system_prompt,
    archived = coalesce(:archived, archived),
    current_leaf = coalesce(excluded.current_leaf, current_leaf),
    endpoint = coalesce(excluded.endpoint, endpoint)
"""

_UPSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in MESSAGE_COLUMNS)}) "
    "ON CONFLICT (session_id, id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in MESSAGE_COLUMNS if c not in ("session_id", "id"))
)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
            conn.execute("ROLLBACK")
        raise


def upsert_session(conn: sqlite3.Connection, row: SessionRow) -> None:
    conn.execute(
        _UPSERT_SESSION,
        {
            "id": row.id,
            "title": row.title,
            "explicit": row.title_is_explicit,
            "created": row.created,
            "updated": row.updated,
            "model": row.model,
            "provider": row.provider,
            "system_prompt": row.system_prompt,
            "archived": None if row.archived is None else int(row.archived),
            "current_leaf": row.current_leaf,
            "origin_session": row.origin_session,
            "origin_message": row.origin_message,
            "endpoint": row.endpoint,
        },
    )
    if row.current_leaf is not None and row.leaf_used is not None:
        conn.execute(
            "UPDATE messages SET used = ? WHERE session_id = ? AND id = ?",
            (row.leaf_used, row.id, row.current_leaf),
        )


def upsert_messages(conn: sqlite3.Connection, rows: Iterable[MessageRow]) -> None:
    listed = list(rows)
    conn.executemany(_UPSERT_MESSAGE, (row.values() for row in listed))
    for row in listed:
        if row.attachments:
            link_attachments(conn, row)


def link_attachments(conn: sqlite3.Connection, row: MessageRow) -> None:
    """Store each attachment's bytes once (by sha256) and link them to the message in order."""
    conn.executemany(
        "INSERT INTO attachments (sha256, kind, mime, size, data) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO NOTHING",
        ((a.sha256, a.kind, a.mime, a.size, a.data) for a in row.attachments),
    )
    conn.execute(
        "DELETE FROM message_attachments WHERE session_id = ? AND message_id = ?", (row.session_id, row.id)
    )
    conn.executemany(
        "INSERT INTO message_attachments (session_id, message_id, position, sha256, name) "
        "VALUES (?, ?, ?, ?, ?)",
        ((row.session_id, row.id, i, a.sha256, a.name) for i, a in enumerate(row.attachments)),
    )


def load_attachments(conn: sqlite3.Connection, session_id: str) -> dict[str, list[Attachment]]:
    """Message id -> its attachments in order, for one session."""
    found: dict[str, list[Attachment]] = {}
    for message_id, name, kind, mime, data, sha in conn.execute(
        "SELECT l.message_id, l.name, a.kind, a.mime, a.data, a.sha256 FROM message_attachments l "
        "JOIN attachments a USING (sha256) WHERE l.session_id = ? ORDER BY l.message_id, l.position",
        (session_id,),
    ):
        found.setdefault(message_id, []).append(Attachment(name, kind, mime, bytes(data), sha))
    return found


def drop_unused_attachments(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM attachments WHERE sha256 NOT IN (SELECT sha256 FROM message_attachments)")
