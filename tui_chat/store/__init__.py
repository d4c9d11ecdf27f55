"""Session storage: every conversation saved as it happens, in SQLite (WAL) in the data dir.

Public API
----------
`SessionStore.open(path=None) -> SessionStore` opens `paths.database_file()` (or `path`).
It never fails because of a bad file: a damaged one is moved aside and a fresh one started,
an unusable one (permissions, newer schema) is left alone and a temporary store used; either
way `store.warning` holds the message to show. Methods (blocking; call from a worker thread
when on an event loop):

- `load(id) -> Conversation` (id or unique prefix; `SessionNotFound`, `AmbiguousSessionId`)
- `summary(id) -> SessionSummary`, `resolve_id(prefix) -> str`, `exists(id) -> bool`
- `list_sessions(include_archived=False, limit=None) -> list[SessionSummary]`, last used first
- `most_recent_id() -> str | None` (for `--continue`)
- `search(text, limit=50, include_archived=False, per_session=1) -> list[SearchHit]`
- `save_conversation(conv, provider=None, created=None, updated=None)`: full upsert
- `rename(id, title)`, `set_archived(id, archived=True)`, `delete(id)`, `close()`

`SessionRecorder(store, conversation, provider=None)` writes one conversation through while
turns run, without blocking (snapshots go to the store's single writer thread):

    conversation.add(user_message)
    await asyncio.wrap_future(recorder.record_user_message(user_message))  # before the request
    async for event in engine.run_turn(conversation):
        recorder.handle(event)  # per token is fine
    # after editing history (regenerate, delete): recorder.sync()
    await asyncio.to_thread(recorder.close)  # final state; blocking, so off the loop

`recorder.error` holds the last write failure (writes are retried); `close()` raises
`StoreError` if the final state could not be written.

Export and import live in `tui_chat.store.export`.
"""

from tui_chat.store.errors import AmbiguousSessionId, SessionNotFound, StoreError
from tui_chat.store.recorder import SessionRecorder
from tui_chat.store.search import MATCH_END, MATCH_START, SearchHit
from tui_chat.store.sessions import SessionStore, SessionSummary

__all__ = [
    "MATCH_END",
    "MATCH_START",
    "AmbiguousSessionId",
    "SearchHit",
    "SessionNotFound",
    "SessionRecorder",
    "SessionStore",
    "SessionSummary",
    "StoreError",
]
