"""`SessionStore`: saved conversations in one SQLite file (see `tui_chat.store` for the API).

All methods block on disk and are safe to call from any thread (one lock guards the
connection). From an event loop, call them in a worker thread (`asyncio.to_thread`, or a
Textual `run_worker(..., thread=True)`). Streaming writes go through `SessionRecorder`,
which never blocks.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tui_chat import paths
from tui_chat.engine.conversation import Conversation, Message, new_id
from tui_chat.engine.conversation_tree import (
    ConversationTree,
    add_sibling,
    fork_path,
    refresh_previous_versions,
    show_branch,
    switch_sibling,
    tree_of,
)
from tui_chat.store import writes
from tui_chat.store.database import OpenedDatabase, connect, open_database, remove_temporary
from tui_chat.store.errors import AmbiguousSessionId, SessionNotFound, StoreError
from tui_chat.store.rows import SessionRow, derived_title, message_from_row, message_row, path_rows
from tui_chat.store.search import (
    MATCH_END,
    MATCH_START,
    MatchTerms,
    SearchHit,
    fts_query,
    match_terms,
    snippet,
)
from tui_chat.store.writer import BackgroundWriter

SNIPPET_TOKENS = 16
SHORT_ID = 8  # how much of an id messages show


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: str
    title: str | None
    model: str | None
    provider: str | None
    created: float
    updated: float  # last use
    archived: bool
    message_count: int  # user and assistant messages on every branch
    origin_session: str | None = None  # a fork: the session and message it was made from
    origin_message: str | None = None
    endpoint: str | None = None  # the endpoint's name (None: saved before endpoints existed)


_SUMMARY_SELECT = """
SELECT s.id, s.title, s.model, s.provider, s.created, s.updated, s.archived, s.message_count,
       s.origin_session, s.origin_message, s.endpoint
FROM sessions s
"""

# Search runs in two steps so snippets are made only for the hits shown: ranking the matches
# is cheap, making a snippet for each of them is not. The snippet step goes from each hit's
# rowid to the index (CROSS JOIN fixes that order): the other way round walks every match.
# Only the newest CANDIDATES matching messages are ranked (FTS5 walks them newest first and
# stops): "stream" matches a third of 100,000 messages; ranking all took longer than a keystroke.
CANDIDATES = 2000

_RANK_HITS = """
WITH recent AS (
    SELECT rowid, rank FROM messages_fts
    WHERE messages_fts MATCH :query ORDER BY rowid DESC LIMIT :candidates
),
hits AS (
    SELECT s.seq AS session_seq, 0 AS kind, sessions_fts.rowid AS hit, sessions_fts.rank AS score,
           0 AS position
    FROM sessions_fts JOIN sessions s ON s.seq = sessions_fts.rowid
    WHERE sessions_fts MATCH :query
    UNION ALL
    SELECT s.seq, 1, recent.rowid, recent.rank, m.position
    FROM recent
    JOIN messages m ON m.seq = recent.rowid
    JOIN sessions s ON s.id = m.session_id
),
ranked AS (
    SELECT hits.*, s.updated,
           row_number() OVER (PARTITION BY session_seq ORDER BY kind, score, position) AS nth
    FROM hits JOIN sessions s ON s.seq = hits.session_seq
    WHERE :archived OR s.archived = 0
)
SELECT kind, hit FROM ranked
WHERE :per_session IS NULL OR nth <= :per_session
ORDER BY kind, score, updated DESC
LIMIT :limit
"""

_TITLE_HITS = """
SELECT 0 AS kind, s.seq AS hit, s.id AS session_id, s.title, s.updated, s.archived,
       NULL AS message_id, NULL AS role, NULL AS position,
       highlight(sessions_fts, 0, :start, :end) AS snippet
FROM json_each(:hits) AS h
CROSS JOIN sessions_fts ON sessions_fts.rowid = h.value
JOIN sessions s ON s.seq = sessions_fts.rowid
WHERE sessions_fts MATCH :query
"""

# The message hits' text; their snippets are made in Python (`search.snippet`), far cheaper
# than FTS5's snippet(), which re-tokenizes each hit inside SQLite.
_MESSAGE_HITS = """
SELECT 1 AS kind, m.seq AS hit, s.id AS session_id, s.title, s.updated, s.archived,
       m.id AS message_id, m.role, m.position, m.content
FROM json_each(:hits) AS h
JOIN messages m ON m.seq = h.value
JOIN sessions s ON s.id = m.session_id
"""


# The message hits that are on their session's current branch: each session's path walked up
# from its current leaf (one index lookup a step), only for the sessions with hits; and (id
# NULL) each session walked, since one without a current leaf saved has nothing to compare.
_ON_CURRENT_BRANCH = """
WITH RECURSIVE up(session_id, id, parent_id) AS (
    SELECT m.session_id, m.id, m.parent_id
    FROM json_each(:sessions) AS h
    JOIN sessions s ON s.id = h.value
    JOIN messages m ON m.session_id = s.id AND m.id = s.current_leaf
    UNION
    SELECT m.session_id, m.id, m.parent_id
    FROM up JOIN messages m ON m.session_id = up.session_id AND m.id = up.parent_id
)
SELECT session_id, id FROM up WHERE id IN (SELECT value FROM json_each(:messages))
UNION ALL
SELECT DISTINCT session_id, NULL FROM up
"""


class SessionStore:
    def __init__(self, opened: OpenedDatabase, *, now: Callable[[], float] = time.time) -> None:
        """Use `SessionStore.open()`."""
        self._opened = opened
        self.path: Path = opened.path
        # For the caller to show once (damaged file moved aside, or nothing will be saved).
        self.warning: str | None = opened.warning
        self.now = now  # wall clock for created/updated; injectable for tests
        self._conn = connect(opened.path)
        self._lock = threading.RLock()
        self._writer: BackgroundWriter | None = None

    @classmethod
    def open(cls, path: Path | None = None, *, now: Callable[[], float] = time.time) -> SessionStore:
        """Open (creating if needed) the store at `path`, default `paths.database_file()`.

        Never fails because of a bad file: see `warning`."""
        try:
            if path is None:
                paths.ensure_private_dir(paths.data_dir())
                path = paths.database_file()
            return cls(open_database(path), now=now)
        except (OSError, sqlite3.Error) as exc:  # not even a temporary store could be made
            raise StoreError(f"cannot open any session database: {exc}") from exc

    @property
    def is_temporary(self) -> bool:
        """True when the real file could not be used and nothing outlives this run."""
        return self._opened.temporary_dir is not None

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit whatever recorders still have queued, then close."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self._conn.close()
        remove_temporary(self._opened)

    # -- reading ---------------------------------------------------------------------------

    def resolve_id(self, session_id: str) -> str:
        """The full id for an id or a unique prefix of one (like git)."""
        with self._db() as conn:
            if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                return session_id
            rows = conn.execute(
                "SELECT id FROM sessions WHERE substr(id, 1, length(:p)) = :p ORDER BY updated DESC LIMIT 6",
                {"p": session_id},
            ).fetchall()
        if not session_id or not rows:
            raise SessionNotFound(f"no saved session matches {session_id!r}")
        if len(rows) > 1:
            some = ", ".join(r["id"][:12] for r in rows[:5])
            raise AmbiguousSessionId(f"{session_id!r} matches several sessions ({some}); type more of the id")
        return str(rows[0]["id"])

    def resolve_message_id(self, session_id: str, message_id: str) -> str:
        """The full id of a message of `session_id` (any branch) for its id or a unique prefix
        (`sessions --search` prints 8 characters). SessionNotFound / AmbiguousSessionId."""
        full_id = self.resolve_id(session_id)
        with self._db() as conn:
            rows = conn.execute(
                "SELECT DISTINCT id FROM messages WHERE session_id = :s AND substr(id, 1, length(:p)) = :p"
                " LIMIT 6",
                {"s": full_id, "p": message_id},
            ).fetchall()
        ids = [str(r["id"]) for r in rows]
        if message_id in ids:
            return message_id
        if not message_id or not ids:
            raise SessionNotFound(f"no message {message_id!r} in session {full_id[:SHORT_ID]}")
        if len(ids) > 1:
            raise AmbiguousSessionId(f"{message_id!r} matches several messages; type more of the id")
        return ids[0]

    def exists(self, session_id: str) -> bool:
        with self._db() as conn:
            return conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def load(self, session_id: str) -> Conversation:
        """The conversation at its current leaf: `messages` is the branch on screen, `tree`
        holds every branch. A reply saved mid-stream comes back as "interrupted"."""
        full_id = self.resolve_id(session_id)
        with self._db() as conn:
            conn.execute("BEGIN")  # the session row and its messages from one snapshot
            try:
                session = conn.execute("SELECT * FROM sessions WHERE id = ?", (full_id,)).fetchone()
                rows = conn.execute(
                    "SELECT * FROM messages WHERE session_id = ? ORDER BY position, seq", (full_id,)
                ).fetchall()
                attachments = writes.load_attachments(conn, full_id)
            finally:
                conn.execute("COMMIT")
        if session is None:  # deleted between the two statements
            raise SessionNotFound(f"no saved session matches {session_id!r}")
        tree = ConversationTree()
        tree.add_all(
            (message_from_row(r, attachments.get(r["id"], [])), r["parent_id"], r["used"]) for r in rows
        )
        conversation = Conversation(
            messages=tree.current_path(session["current_leaf"]),
            system_prompt=session["system_prompt"],
            model=session["model"],
            endpoint=session["endpoint"],
            id=full_id,
            title=session["title"],
            tree=tree,
        )
        refresh_previous_versions(conversation)
        return conversation

    def load_branch(self, session_id: str, message_id: str, *, make_current: bool = True) -> Conversation:
        """The conversation showing the branch that holds `message_id` (a search hit), down to
        the leaf used last below it; saved as the current branch unless `make_current=False`.
        An unknown message id gives the current branch."""
        conversation = self.load(session_id)
        if message_id in conversation.tree and not any(m.id == message_id for m in conversation.messages):
            show_branch(conversation, message_id, now=self.now())
            if make_current:
                self._set_leaf(conversation)
        return conversation

    def switch_branch(self, session_id: str, message_id: str, step: int) -> Conversation | None:
        """Switch to the previous (-1) / next (+1) sibling of `message_id` and save that as the
        current branch; None when there is no sibling that way. (The app switches its own
        in-memory conversation with `conversation_tree.switch_sibling` and saves with
        `SessionRecorder.branch_changed`; this is the same for callers without a recorder.)"""
        conversation = self.load(session_id)
        if message_id not in conversation.tree:
            raise SessionNotFound(f"no message {message_id!r} in session {conversation.id}")
        if not switch_sibling(conversation, message_id, step, now=self.now()):
            return None
        self._set_leaf(conversation)
        return conversation

    def add_sibling(self, session_id: str, message_id: str, message: Message) -> Conversation:
        """Save `message` as the newest sibling of `message_id` (an edited question, another
        reply) and make it the current leaf. Nothing is removed."""
        conversation = self.load(session_id)
        if message_id not in conversation.tree:
            raise SessionNotFound(f"no message {message_id!r} in session {conversation.id}")
        add_sibling(conversation, message_id, message)
        refresh_previous_versions(conversation)
        rows = path_rows(conversation.id, conversation.messages)[-1:]
        with self._db() as conn, writes.write_transaction(conn):
            writes.upsert_messages(conn, rows)
            conn.execute(
                "UPDATE sessions SET current_leaf = ?, updated = max(updated, ?) WHERE id = ?",
                (message.id, self.now(), conversation.id),
            )
        return conversation

    def fork(self, session_id: str, message_id: str) -> str:
        """A new session holding a copy of the path from the root to `message_id`, titled
        "<title> (fork)" and linked to its origin (`SessionSummary.origin_session` /
        `origin_message`). Returns its id; the origin is unchanged."""
        origin = self.load(session_id)
        if message_id not in origin.tree:
            raise SessionNotFound(f"no message {message_id!r} in session {origin.id}")
        summary = self.summary(origin.id)
        fork = Conversation(
            messages=fork_path(origin, message_id),
            system_prompt=origin.system_prompt,
            model=origin.model,
            endpoint=origin.endpoint,
            id=new_id(),
            title=f"{origin.title or derived_title(origin) or 'Untitled session'} (fork)",
        )
        self.save_conversation(
            fork, provider=summary.provider, origin=(origin.id, message_id), created=self.now()
        )
        return fork.id

    def summary(self, session_id: str) -> SessionSummary:
        full_id = self.resolve_id(session_id)
        with self._db() as conn:
            row = conn.execute(_SUMMARY_SELECT + " WHERE s.id = ?", (full_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no saved session matches {session_id!r}")
        return _summary(row)

    def list_sessions(
        self, *, include_archived: bool = False, limit: int | None = None
    ) -> list[SessionSummary]:
        """Most recently used first."""
        with self._db() as conn:
            rows = conn.execute(
                _SUMMARY_SELECT + " WHERE ? OR s.archived = 0 ORDER BY s.updated DESC, s.seq DESC LIMIT ?",
                (include_archived, -1 if limit is None else limit),
            ).fetchall()
        return [_summary(r) for r in rows]

    def token_totals(self) -> dict[str, tuple[int, int]]:
        """Session id -> (prompt, completion) tokens the server reported, over every branch."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT session_id, SUM(COALESCE(json_extract(usage, '$.prompt_tokens'), 0)),"
                " SUM(COALESCE(json_extract(usage, '$.completion_tokens'), 0))"
                " FROM messages WHERE usage IS NOT NULL AND json_valid(usage) GROUP BY session_id"
            ).fetchall()
        return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in rows}

    def most_recent_id(self) -> str | None:
        """The session `--continue` reopens: the last used one that is not archived."""
        found = self.list_sessions(limit=1)
        return found[0].id if found else None

    def search(
        self,
        text: str,
        *,
        limit: int = 50,
        include_archived: bool = False,
        per_session: int | None = 1,
        branches: bool = False,
    ) -> list[SearchHit]:
        """Sessions whose title or messages contain every word of `text` (the last word may be
        unfinished). Title matches come first, then message matches by relevance (among the
        newest CANDIDATES matching messages). With `per_session=1` each session appears once,
        with its best match; None for every match. `branches=True` also marks the message hits
        that are on another branch than their session's current one (`SearchHit.other_branch`;
        it walks each hit session's current path, so a search box typing away leaves it off)."""
        query = fts_query(text)
        if query is None:
            return []
        ranking = {
            "query": query,
            "archived": include_archived,
            "per_session": per_session,
            "limit": limit,
            "candidates": CANDIDATES,
        }
        marks = {"query": query, "start": MATCH_START, "end": MATCH_END}
        with self._db() as conn:
            conn.execute("BEGIN")  # both steps read the same snapshot
            try:
                order = [(r["kind"], r["hit"]) for r in conn.execute(_RANK_HITS, ranking)]
                titles = [hit for kind, hit in order if kind == 0]
                messages = [hit for kind, hit in order if kind == 1]
                rows = conn.execute(_TITLE_HITS, {**marks, "hits": json.dumps(titles)}).fetchall()
                rows += conn.execute(_MESSAGE_HITS, {"hits": json.dumps(messages)}).fetchall()
                hit_messages = [r for r in rows if r["kind"] == 1]
                on_branch = None
                if branches and hit_messages:
                    walk = {
                        "sessions": json.dumps(sorted({r["session_id"] for r in hit_messages})),
                        "messages": json.dumps([r["message_id"] for r in hit_messages]),
                    }
                    on_branch = {(r[0], r[1]) for r in conn.execute(_ON_CURRENT_BRANCH, walk)}
            finally:
                conn.execute("COMMIT")
        terms = match_terms(text)
        found = {(r["kind"], r["hit"]): r for r in rows}
        return [_search_hit(found[key], terms, on_branch) for key in order if key in found]

    # -- writing ---------------------------------------------------------------------------

    def save_conversation(
        self,
        conversation: Conversation,
        *,
        provider: str | None = None,
        created: float | None = None,
        updated: float | None = None,
        origin: tuple[str, str] | None = None,
    ) -> None:
        """Write the whole conversation: session row and every message of every branch in
        `conversation.tree` (the current path included, its end as the current leaf). Stored
        messages the conversation does not hold are kept (nothing is deleted). `title`, when
        set, replaces the stored title; when None, one is derived from the first user message.
        `origin`: (session id, message id) a fork was made from, for a new session."""
        now = self.now()
        tree = tree_of(conversation)
        first = min((m.created for m, _ in tree.nodes()), default=now)
        explicit = conversation.title is not None
        leaf = conversation.messages[-1].id if conversation.messages else None
        session = SessionRow(
            id=conversation.id,
            title=conversation.title if explicit else derived_title(conversation),
            title_is_explicit=explicit,
            created=created if created is not None else first,
            updated=updated if updated is not None else now,
            model=conversation.model,
            provider=provider,
            system_prompt=conversation.system_prompt,
            endpoint=conversation.endpoint,
            current_leaf=leaf,
            leaf_used=tree.used(leaf) if leaf is not None else None,
            origin_session=origin[0] if origin else None,
            origin_message=origin[1] if origin else None,
        )
        depth: dict[str | None, int] = {None: -1}
        rows = []
        for message, parent in tree.nodes():
            depth[message.id] = depth[parent] + 1
            rows.append(message_row(conversation.id, depth[message.id], message, parent))
        used = [(tree.used(m.id), conversation.id, m.id) for m, _ in tree.nodes() if tree.used(m.id)]
        with self._db() as conn, writes.write_transaction(conn):
            writes.upsert_session(conn, session)
            writes.upsert_messages(conn, rows)
            conn.executemany("UPDATE messages SET used = ? WHERE session_id = ? AND id = ?", used)

    def rename(self, session_id: str, title: str) -> None:
        title = " ".join(title.split())
        if not title:
            raise ValueError("a session title cannot be empty")
        self._update(session_id, "UPDATE sessions SET title = ? WHERE id = ?", (title,))

    def set_archived(self, session_id: str, archived: bool = True) -> None:
        self._update(session_id, "UPDATE sessions SET archived = ? WHERE id = ?", (int(archived),))

    def delete(self, session_id: str) -> None:
        """Delete the session and its messages. Close any recorder writing to it first, or
        its next checkpoint recreates the session."""
        full_id = self.resolve_id(session_id)
        with self._db() as conn, writes.write_transaction(conn):
            conn.execute("DELETE FROM messages WHERE session_id = ?", (full_id,))
            conn.execute("DELETE FROM sessions WHERE id = ?", (full_id,))
            writes.drop_unused_attachments(conn)

    # -- for SessionRecorder ---------------------------------------------------------------

    def writer(self) -> BackgroundWriter:
        """The store's one background writer thread (started on first use)."""
        with self._lock:
            if self._writer is None:
                self._writer = BackgroundWriter(lambda: connect(self.path))
            return self._writer

    # -- internals -------------------------------------------------------------------------

    def _set_leaf(self, conversation: Conversation) -> None:
        leaf = conversation.messages[-1].id if conversation.messages else None
        with self._db() as conn, writes.write_transaction(conn):
            conn.execute("UPDATE sessions SET current_leaf = ? WHERE id = ?", (leaf, conversation.id))
            if leaf is not None:
                conn.execute(
                    "UPDATE messages SET used = ? WHERE session_id = ? AND id = ?",
                    (conversation.tree.used(leaf), conversation.id, leaf),
                )

    def _update(self, session_id: str, sql: str, params: tuple[object, ...]) -> None:
        full_id = self.resolve_id(session_id)
        with self._db() as conn, writes.write_transaction(conn):
            if conn.execute(sql, (*params, full_id)).rowcount == 0:
                raise SessionNotFound(f"no saved session matches {session_id!r}")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with SQLite errors turned into `StoreError`."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StoreError(f"session database {self.path}: {exc}") from exc


def _search_hit(
    row: sqlite3.Row, terms: MatchTerms, on_branch: set[tuple[str, str | None]] | None = None
) -> SearchHit:
    other_branch = (
        on_branch is not None
        and row["kind"] == 1
        and (row["session_id"], None) in on_branch
        and (row["session_id"], row["message_id"]) not in on_branch
    )
    return SearchHit(
        session_id=row["session_id"],
        title=row["title"],
        updated=row["updated"],
        archived=bool(row["archived"]),
        message_id=row["message_id"],
        role=row["role"],
        position=row["position"],
        snippet=(row["snippet"] if row["kind"] == 0 else snippet(row["content"] or "", terms, SNIPPET_TOKENS))
        or "",
        other_branch=other_branch,
    )


def _summary(row: sqlite3.Row) -> SessionSummary:
    return SessionSummary(
        id=row["id"],
        title=row["title"],
        model=row["model"],
        provider=row["provider"],
        created=row["created"],
        updated=row["updated"],
        archived=bool(row["archived"]),
        message_count=row["message_count"],
        origin_session=row["origin_session"],
        origin_message=row["origin_message"],
        endpoint=row["endpoint"],
    )
