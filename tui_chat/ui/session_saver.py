"""The app's sessions: the current conversation written through as it happens, and the browser.

`SessionSaver` listens to the controller's `ChatEvent` stream (`SessionSaver.start` subscribes it):

- the user's message goes to the recorder at once, and the turn's worker waits in the
  saver's request gate until it is committed, so it is on disk before the request goes out;
- every turn event goes to the recorder (it checkpoints at least every 250 ms while text
  streams, at once on tool events and when the turn ends, a stopped turn included);
- regenerate / edit remove messages: `recorder.sync()` rewrites the session without them;
- opening another conversation (new chat, clear, a saved session) closes the old recorder in a
  thread: the old conversation stays saved; an empty new chat is only saved once it has a message.

Nothing here touches the database on the event loop: the recorder hands snapshots to the
store's writer thread, and every blocking call runs in `asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, assert_never

from tui_chat.engine.controller import ChatController
from tui_chat.engine.conversation import Conversation
from tui_chat.engine.events import (
    BranchSwitched,
    ChatEvent,
    ConversationChanged,
    ConversationOpened,
    MessageAdded,
    MessagesRemoved,
    ReasoningDelta,
    RequestRetrying,
    ResponseFinished,
    SendRefused,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecutionStarted,
    ToolResultReady,
    TurnClosed,
    TurnEnded,
    TurnFailed,
    TurnStarted,
)
from tui_chat.store import SessionRecorder, SessionStore, StoreError

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp

Warn = Callable[[str], None]


class SessionSaver:
    def __init__(
        self, store: SessionStore, conversation: Conversation, *, provider: str | None, warn: Warn
    ) -> None:
        self.store = store
        self.provider = provider
        self.warn = warn
        self.recorder = SessionRecorder(store, conversation, provider=provider)
        self._committing: Future[None] | None = None  # the user message, until committed
        self._closing: set[asyncio.Task[None]] = set()  # recorders of conversations left behind
        self._last_error: str | None = None
        self._closed = False

    @classmethod
    async def start(
        cls, controller: ChatController, store: SessionStore | None, *, provider: str | None, warn: Warn
    ) -> SessionSaver | None:
        """Open the default store (in a thread) unless given one, and follow `controller`.
        None (after a warning) when no store can be opened at all."""
        if store is None:
            try:
                store = await asyncio.to_thread(SessionStore.open)
            except StoreError as exc:
                warn(f"{exc}. Conversations will not be saved.")
                return None
        if store.warning:
            warn(store.warning)
        saver = cls(store, controller.conversation, provider=provider, warn=warn)
        controller.subscribe(saver.handle_event)
        controller.request_gates.append(saver.before_request)
        return saver

    @classmethod
    async def for_app(cls, app: ChatApp, store: SessionStore | None) -> SessionSaver | None:
        saver = await cls.start(app.controller, store, provider=app.settings.provider, warn=app.warn)
        if saver is not None and app.conversation.messages:
            saver.recorder.sync()  # sent before the store was open: saved now
        return saver

    @property
    def conversation(self) -> Conversation:
        return self.recorder.conversation

    # -- the event stream ------------------------------------------------------------------

    def handle_event(self, event: ChatEvent) -> None:
        match event:
            case TextDelta() | ReasoningDelta() | ToolCallArgumentsDelta():
                self.recorder.handle(event)  # the most frequent: first
            case MessageAdded(message=message) if message.role == "user":
                if not self._closed:
                    self._committing = self.recorder.record_user_message(message)
            case (
                MessageAdded()
                | ToolCallStarted()
                | ToolCallCompleted()
                | ToolExecutionStarted()
                | ToolResultReady()
                | ResponseFinished()
                | TurnFailed()
            ):
                self.recorder.handle(event)
            case TurnEnded():
                self.recorder.handle(event)
                if self.recorder.error:
                    self._report(self.recorder.error)
            case ConversationOpened(conversation=conversation):
                self._opened(conversation)
            case MessagesRemoved():
                if not self._closed:
                    self.recorder.sync()  # the path cut: the rest stays stored, another branch
            case BranchSwitched():
                if not self._closed:
                    self.recorder.branch_changed()  # only the current leaf and its use
            case ConversationChanged(conversation=conversation):
                # A new model or system prompt is saved with the session (an empty chat is not).
                if not self._closed and conversation.messages:
                    self.recorder.sync()
            case TurnStarted() | TurnClosed() | SendRefused() | RequestRetrying():
                pass
            case _:
                assert_never(event)

    def _opened(self, conversation: Conversation) -> None:
        if self._closed or conversation is self.recorder.conversation:
            return
        old = self.recorder
        self.recorder = SessionRecorder(self.store, conversation, provider=self.provider)
        self._committing = None
        task = asyncio.get_running_loop().create_task(self._close_recorder(old))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def before_request(self) -> None:
        """The request gate: wait until the user's message is committed."""
        pending, self._committing = self._committing, None
        if pending is None:
            return
        try:
            await asyncio.wrap_future(pending)
        except StoreError as exc:  # the turn still runs; the recorder retries the write
            self._report(str(exc))

    # -- for the app and tests -------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until everything recorded so far is on disk."""
        if self._closing:
            await asyncio.gather(*self._closing)
        if not self._closed:
            await asyncio.wrap_future(self.recorder.checkpoint())

    async def close(self) -> None:
        """Commit the final state and close the store (quitting)."""
        if self._closed:
            return
        self._closed = True
        if self._closing:
            await asyncio.gather(*self._closing)
        error = await asyncio.to_thread(self._close_all)
        if error:
            self.warn(f"The last changes to this conversation could not be saved: {error}")

    def _close_all(self) -> str | None:
        try:
            self.recorder.close()
        except StoreError as exc:
            return str(exc)
        finally:
            self.store.close()
        return None

    async def _close_recorder(self, recorder: SessionRecorder) -> None:
        try:
            await asyncio.to_thread(recorder.close)
        except StoreError as exc:
            self._report(str(exc))

    def _report(self, error: str) -> None:
        if error != self._last_error:  # once per distinct failure, not per turn
            self._last_error = error
            self.warn(f"Could not save the conversation: {error}")


# -- the browser -------------------------------------------------------------------------


def open_session_browser(app: ChatApp) -> None:
    """Push the session browser; the session picked there becomes the app's conversation."""
    from tui_chat.ui.screens.session_browser import SessionBrowser

    saver = app.sessions
    if saver is None:
        app.notify("Sessions are not available: the session database could not be opened.", severity="error")
        return
    current = app.conversation.id
    browser = SessionBrowser(saver.store, current_id=current)

    def chosen(session_id: str | None) -> None:
        message_id = browser.opened_message_id  # a search hit: show the branch that holds it
        if session_id and session_id != current:
            opening = open_saved_session(app, session_id, message_id)
            app.run_worker(opening, group="open-session", exclusive=True)
        elif session_id and message_id is not None:
            app.show_message(message_id)

    app.push_screen(browser, chosen)


async def open_saved_session(app: ChatApp, session_id: str, message_id: str | None = None) -> None:
    """Load a saved session (in a thread) and make it the app's conversation: at its current
    branch, or at the branch holding `message_id` (saved as the current one)."""
    saver = app.sessions
    if saver is None:
        return
    store = saver.store
    try:
        if message_id is None:
            conversation = await asyncio.to_thread(store.load, session_id)
        else:
            conversation = await asyncio.to_thread(store.load_branch, session_id, message_id)
    except StoreError as exc:
        app.notify(str(exc), title="Could not open the session", severity="error")
        return
    await app.load_conversation(conversation)
    app.prompt.focus()


async def fork_session(app: ChatApp, message_id: str) -> str | None:
    """Copy the path up to `message_id` into a new session ("<title> (fork)", linked to its
    origin) and open it; the new session's id (None if it could not be made)."""
    saver = app.sessions
    if saver is None:
        app.notify("Sessions are not available: the session database could not be opened.", severity="error")
        return None
    try:
        await saver.flush()  # everything on screen is stored before it is copied
        fork_id = await asyncio.to_thread(saver.store.fork, app.conversation.id, message_id)
    except StoreError as exc:
        app.notify(str(exc), title="Could not fork the session", severity="error")
        return None
    await open_saved_session(app, fork_id)
    title = app.conversation.title or "the fork"
    app.notify(f"Opened {title}: the original session is unchanged.", timeout=4)
    return fork_id
