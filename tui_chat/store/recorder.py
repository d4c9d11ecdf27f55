"""`SessionRecorder`: writes one conversation through to the store while turns run.

Rules (issue 4):
- the user's message is committed before the request goes out: `record_user_message()`
  returns a Future; wait for it before starting the turn;
- a streaming reply is checkpointed at least every `checkpoint_interval` seconds (text and tool
  argument deltas) and at once on every other event (message added, tool events, response
  finished, failures, turn end);
- nothing here blocks: `handle()` takes immutable snapshots of the turn's messages on the
  caller's thread and hands them to the store's writer thread, which coalesces them.

If the stream stalls, a timer on the running asyncio loop (or the injected `schedule`) still
writes the last text within the interval, so a `kill -9` loses at most that much.

Branches (issue 10): every message is written as a child of the one before it on
`conversation.messages` (the current path), and the session's current leaf is the path's last
message. Nothing is ever deleted: cutting the path (edit, regenerate) and appending makes a
sibling branch; the old one stays in the store.

The recorder never sees settings or credentials: only the conversation and a provider name.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import Event, MessageAdded, ReasoningDelta, TextDelta, ToolCallArgumentsDelta
from tui_chat.store.rows import MessageRow, SessionRow, derived_title, message_row, path_rows
from tui_chat.store.sessions import SessionStore

Schedule = Callable[[float, Callable[[], None]], Any]


def call_later_on_running_loop(delay: float, callback: Callable[[], None]) -> Any:
    """Default `schedule`: a timer on the caller's asyncio loop, if there is one."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None  # no loop: the next event writes the text instead
    return loop.call_later(delay, callback)


class SessionRecorder:
    def __init__(
        self,
        store: SessionStore | Path,
        conversation: Conversation,
        *,
        provider: str | None = None,
        checkpoint_interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        schedule: Schedule = call_later_on_running_loop,
    ) -> None:
        self._owns_store = not isinstance(store, SessionStore)
        self.store = store if isinstance(store, SessionStore) else SessionStore.open(store)
        self.conversation = conversation
        self.provider = provider
        self.checkpoint_interval = checkpoint_interval
        self._clock = clock
        self._schedule = schedule
        self._writer = self.store.writer()
        # The current turn's messages: the only ones a checkpoint needs to look at.
        self._live: dict[str, Message] = {}
        # Messages already in the conversation are taken as saved (a reopened session);
        # anything appended later is picked up even without an event (e.g. the engine's
        # "refused" results after a cancel).
        self._seen = len(conversation.messages)
        self._last_written: dict[str, MessageRow] = {}
        self._last_checkpoint = float("-inf")
        self._timer: Any = None
        self._closed = False

    @property
    def error(self) -> str | None:
        """Why the last write failed (None once a write succeeds again)."""
        return self._writer.error

    def record_user_message(self, message: Message) -> Future[None]:
        """Start a new turn with the user's message; the Future resolves once it is committed.
        Append the message to the conversation first."""
        if self._position(message) is None:
            raise ValueError("append the message to the conversation before recording it")
        self._start_turn(message)
        return self.checkpoint()

    def handle(self, event: Event) -> None:
        """Feed every event of a turn here, in order. Cheap enough to call per token."""
        if self._closed:
            return
        if isinstance(event, TextDelta | ReasoningDelta | ToolCallArgumentsDelta):
            self._stream_progressed()
            return
        if isinstance(event, MessageAdded):
            if event.message.role == "user":
                self._start_turn(event.message)
            self._live[event.message.id] = event.message
        self.checkpoint()

    def checkpoint(self) -> Future[None]:
        """Snapshot the turn's changed messages now; the Future resolves once committed."""
        self._last_checkpoint = self._clock()
        self._cancel_timer()
        self._adopt_appended()
        rows = [row for row in self._snapshot_live() if self._last_written.get(row.id) != row]
        if not rows:
            return self._writer.barrier()
        for row in rows:
            self._last_written[row.id] = row
        return self._writer.submit(self._session_row(), rows)

    def sync(self) -> Future[None]:
        """Write the whole current path and make its end the session's current leaf. Call after
        cutting the path (edit, regenerate: the messages cut stay stored, as another branch)
        or to save a conversation that was started before recording began."""
        rows = path_rows(self.conversation.id, self.conversation.messages)
        self._last_written = {row.id: row for row in rows}
        self._seen = len(rows)
        # The last turn may still be running (recording began mid-turn): its messages stay live,
        # so what they gain later (text, tool calls, results) is written too.
        messages = self.conversation.messages
        start = max((i for i, m in enumerate(messages) if m.role == "user"), default=len(messages))
        self._live = {m.id: m for m in messages[start:]}
        return self._writer.submit(self._session_row(), rows)

    def branch_changed(self) -> Future[None]:
        """Save which branch is on screen after `conversation.messages` was switched to another
        (stored) branch (`conversation_tree.switch_sibling` / `show_branch`): only the current
        leaf and when it was used are written. Not during a turn."""
        self._live = {}
        self._last_written = {}
        self._seen = len(self.conversation.messages)
        messages = self.conversation.messages
        used = self.conversation.tree.used(messages[-1].id) if messages else None
        if used is None:
            used = self.store.now()
        return self._writer.submit(self._session_row(leaf_used=used))

    def flush(self, timeout: float | None = None) -> None:
        """Checkpoint and wait until it is on disk. Blocks: not for the event loop's thread
        (there, `await asyncio.wrap_future(recorder.checkpoint())`)."""
        self.checkpoint().result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Commit the final state. Closes the store too if the recorder opened it."""
        if self._closed:
            return
        try:
            self.flush(timeout)
        finally:
            self._closed = True
            self._cancel_timer()
            if self._owns_store:
                self.store.close()

    def __enter__(self) -> SessionRecorder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _start_turn(self, first: Message) -> None:
        # Late changes to the last turn (e.g. marked interrupted after a cancel) go out first.
        if self._live or len(self.conversation.messages) > self._seen:
            self.checkpoint()
        written = self._last_written.get(first.id)
        self._live = {first.id: first}
        self._last_written = {first.id: written} if written else {}

    def _adopt_appended(self) -> None:
        messages = self.conversation.messages
        self._seen = min(self._seen, len(messages))
        for message in messages[self._seen :]:
            self._live.setdefault(message.id, message)
        self._seen = len(messages)

    def _stream_progressed(self) -> None:
        now = self._clock()
        due = self._last_checkpoint + self.checkpoint_interval
        if now >= due:
            self.checkpoint()
        elif self._timer is None:
            # False: no event loop to set a timer on; the next checkpoint resets it.
            self._timer = self._schedule(due - now, self._on_timer) or False

    def _on_timer(self) -> None:
        self._timer = None
        if not self._closed:
            self.checkpoint()

    def _cancel_timer(self) -> None:
        cancel = getattr(self._timer, "cancel", None)
        if cancel is not None:
            cancel()
        self._timer = None

    def _snapshot_live(self) -> list[MessageRow]:
        sid = self.conversation.id
        rows = []
        for message in self._live.values():
            position = self._position(message)
            if position is not None:  # cut from the path: it stays stored as it was
                parent = self.conversation.messages[position - 1].id if position else None
                # The tree knows what is saved, so a later cut keeps it as a sibling there too.
                self.conversation.tree.add(message, parent)
                rows.append(message_row(sid, position, message, parent))
        return rows

    def _position(self, message: Message) -> int | None:
        messages = self.conversation.messages
        for i in range(len(messages) - 1, -1, -1):  # the turn's messages are at the end
            if messages[i] is message:
                return i
        return None

    def _session_row(self, *, leaf_used: float | None = None) -> SessionRow:
        conv = self.conversation
        now = self.store.now()
        return SessionRow(
            id=conv.id,
            title=conv.title or derived_title(conv),
            title_is_explicit=False,  # only fills an empty title; renames go through the store
            created=min((m.created for m in conv.messages), default=now),
            updated=now,
            model=conv.model,
            provider=self.provider,
            system_prompt=conv.system_prompt,
            endpoint=conv.endpoint,
            current_leaf=conv.messages[-1].id if conv.messages else None,
            leaf_used=leaf_used,
        )
