"""A background thread that owns one connection and commits snapshots in batches.

`submit()` only stores the snapshot in a dict and wakes the thread, so it is safe to call from
an event loop for every token. Snapshots of the same message coalesce: while the thread is
busy committing one batch, newer snapshots replace older ones, and only the latest is written.
Each `submit()` returns a `Future` that resolves once that data (or a newer version of it) is
committed, or fails with `StoreError` if the write failed; failed writes are retried.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from tui_chat.store.errors import StoreError
from tui_chat.store.rows import MessageRow, SessionRow
from tui_chat.store.writes import upsert_messages, upsert_session, write_transaction

RETRY_SECONDS = 1.0


@dataclass
class _Batch:
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    # Keyed by (session id, message id): the latest snapshot of a message wins.
    messages: dict[tuple[str, str], MessageRow] = field(default_factory=dict)
    waiters: list[Future[None]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.sessions or self.messages or self.waiters)

    def merge_older(self, older: _Batch) -> None:
        """Put a failed batch back underneath whatever arrived since."""
        for sid, row in older.sessions.items():
            self.sessions.setdefault(sid, row)
        for key, msg in older.messages.items():
            self.messages.setdefault(key, msg)


def _merged(older: SessionRow | None, newer: SessionRow) -> SessionRow:
    """A newer snapshot of a session replaces an older one, but keeps a leaf switch the older
    one carried for the same leaf (so coalescing never loses when a branch was used)."""
    if older is None or newer.leaf_used is not None or older.leaf_used is None:
        return newer
    if older.current_leaf != newer.current_leaf:
        return newer
    return replace(newer, leaf_used=older.leaf_used)


class BackgroundWriter:
    def __init__(self, connect: Callable[[], sqlite3.Connection], *, name: str = "tui-chat-store-writer"):
        self._connect = connect
        self._pending = _Batch()
        self._wake = threading.Condition()
        self._closing = False
        self.error: str | None = None  # the last write failure, for the UI to show
        self.commits = 0  # batches written so far
        # Daemon: a wedged disk must not keep the app from exiting; close() drains normally.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(
        self,
        session: SessionRow,
        messages: Iterable[MessageRow] = (),
    ) -> Future[None]:
        """Queue a session row and message snapshots. Nothing is ever deleted here: an edit or
        a regenerate leaves the old branch in place."""
        done: Future[None] = Future()
        with self._wake:
            if self._closing:
                done.set_exception(StoreError(self.error or "the session store is closed"))
                return done
            batch = self._pending
            batch.sessions[session.id] = _merged(batch.sessions.get(session.id), session)
            for row in messages:
                batch.messages[(row.session_id, row.id)] = row
            batch.waiters.append(done)
            self._wake.notify()
        return done

    def barrier(self) -> Future[None]:
        """Resolves once everything submitted so far is committed."""
        done: Future[None] = Future()
        with self._wake:
            if self._closing:
                done.set_exception(StoreError(self.error or "the session store is closed"))
                return done
            self._pending.waiters.append(done)
            self._wake.notify()
        return done

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued, then stop the thread."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            conn = self._connect()
        except sqlite3.Error as exc:
            self._stop(f"could not open the session database: {exc}")
            return
        try:
            while (batch := self._next_batch()) is not None:
                self._commit(conn, batch)
        except BaseException as exc:  # a bug: say so, and never leave a caller waiting forever
            self._stop(f"the session writer stopped: {exc!r}")
            raise
        finally:
            conn.close()

    def _next_batch(self) -> _Batch | None:
        with self._wake:
            while self._pending.empty() and not self._closing:
                self._wake.wait()
            if self._pending.empty():
                return None
            batch, self._pending = self._pending, _Batch()
            return batch

    def _commit(self, conn: sqlite3.Connection, batch: _Batch) -> None:
        try:
            with write_transaction(conn):
                for session in batch.sessions.values():
                    upsert_session(conn, session)
                upsert_messages(conn, batch.messages.values())
        except sqlite3.Error as exc:
            self._retry_later(batch, f"could not save the conversation: {exc}")
            return
        except BaseException as exc:
            for waiter in batch.waiters:
                waiter.set_exception(StoreError(f"the session writer stopped: {exc!r}"))
            raise
        self.error = None
        self.commits += 1
        for waiter in batch.waiters:
            waiter.set_result(None)

    def _retry_later(self, batch: _Batch, error: str) -> None:
        """Tell the waiters, keep the data for the next attempt (a locked or full disk may
        recover), unless we are closing: then give up rather than hang the app's exit."""
        self.error = error
        for waiter in batch.waiters:
            waiter.set_exception(StoreError(error))
        with self._wake:
            if self._closing:
                return
            batch.waiters = []
            self._pending.merge_older(batch)
            self._wake.wait(RETRY_SECONDS)

    def _stop(self, error: str) -> None:
        with self._wake:
            self.error = error
            self._closing = True
            waiters, self._pending = self._pending.waiters, _Batch()
        for waiter in waiters:
            waiter.set_exception(StoreError(error))
