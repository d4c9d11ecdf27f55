"""Session storage: every conversation saved as it happens, in SQLite (WAL) in the data dir.

Public API
----------
`SessionStore.open(path=None) -> SessionStore` opens `paths.database_file()` (or `path`).
It never fails because of a bad file: a damaged one is moved aside and a fresh one started,
an unusable one (permissions, newer schema) is left alone and a temporary store used; either
way `store.warning` holds the message to show. Methods (blocking; call from a worker thread
when on an event loop):

- `load(id) -> Conversation` at its current leaf (id or unique prefix; `SessionNotFound`,
  `AmbiguousSessionId`): `messages` is the branch on screen, `tree` every branch
- `load_branch(id, message_id, make_current=True) -> Conversation`: the branch holding a message
  (a search hit), saved as the current one
- `switch_branch(id, message_id, step) -> Conversation | None`: previous (-1) / next (+1)
  sibling, saved; `add_sibling(id, message_id, message) -> Conversation`: a new version, saved
  as the current leaf; `fork(id, message_id) -> str`: a new session "<title> (fork)" holding
  the path to the message, linked to its origin (`SessionSummary.origin_session/_message`)
- `summary(id) -> SessionSummary`, `resolve_id(prefix) -> str`, `exists(id) -> bool`
- `list_sessions(include_archived=False, limit=None) -> list[SessionSummary]`, last used first
- `most_recent_id() -> str | None` (for `--continue`)
- `search(text, limit=50, include_archived=False, per_session=1) -> list[SearchHit]`
- `save_conversation(conv, provider=None, created=None, updated=None, origin=None)`: upsert of
  every branch in `conv.tree`; nothing stored is ever deleted by it
- `rename(id, title)`, `set_archived(id, archived=True)`, `delete(id)`, `close()`

`SessionRecorder(store, conversation, provider=None)` writes one conversation through while
turns run, without blocking (snapshots go to the store's single writer thread):

    conversation.add(user_message)
    await asyncio.wrap_future(recorder.record_user_message(user_message))  # before the request
    async for event in engine.run_turn(conversation):
        recorder.handle(event)  # per token is fine
    # after cutting the path (edit, regenerate; the old branch stays stored): recorder.sync()
    # after switching conversation.messages to another stored branch: recorder.branch_changed()
    await asyncio.to_thread(recorder.close)  # final state; blocking, so off the loop

Each message is written under the one before it on `conversation.messages`; the path's last
message is the session's current leaf. The tree operations themselves are pure and live in
`tui_chat.engine.conversation_tree`.

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
