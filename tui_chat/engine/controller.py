"""The chat session: the current conversation, and the turns run on it. UI-free.

    send(text) ─► conversation.add(user message) ─► emit MessageAdded(user)
                ─► emit TurnStarted ─► host.run_turn(worker coroutine)
                ─► worker: await every request gate (the session saver: user message committed)
                         async for event in engine.run_turn(conversation, confirm=host.confirm_tool)
                             ─► emit(event)
                ─► always a TurnEnded (synthesised after a stop or a crash), then TurnClosed

Every change to the conversation (opened, user message added, messages removed, model or
system prompt changed, and the engine's events) goes to every listener as one `ChatEvent`, in
order. Listeners run on the caller's event loop and must return quickly; the UI's widgets and
the session saver are listeners. The host (the app) runs the worker and asks for confirmation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from tui_chat.attachments.model import Attachment
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.conversation_tree import branch_above, show_branch, switch_sibling, tree_of
from tui_chat.engine.events import (
    BranchSwitched,
    ChatEvent,
    ConversationChanged,
    ConversationOpened,
    MessageAdded,
    MessagesRemoved,
    SendRefused,
    ToolResultReady,
    TurnClosed,
    TurnEnded,
    TurnFailed,
    TurnStarted,
)
from tui_chat.engine.turn import ChatEngine, ResultStatus

log = logging.getLogger(__name__)

Listener = Callable[[ChatEvent], None]
RequestGate = Callable[[], Awaitable[None]]
"""Awaited in the turn's worker before the request goes out."""


class Cancellable(Protocol):
    def cancel(self) -> object: ...


class ChatHost(Protocol):
    """What the controller needs from the app (or a test)."""

    def run_turn(self, work: Coroutine[Any, Any, None]) -> Cancellable: ...

    async def confirm_tool(self, call: ToolCall) -> bool: ...


class ChatController:
    def __init__(
        self,
        host: ChatHost,
        engine: ChatEngine | None,
        conversation: Conversation | None = None,
        *,
        not_ready: str = "",
    ) -> None:
        self.host = host
        self.engine = engine
        self.conversation = conversation or Conversation()
        self.not_ready = not_ready  # why there is no engine (first run)
        self.listeners: list[Listener] = []
        self.request_gates: list[RequestGate] = []
        self.editing: Message | None = None  # the user message being edited, if any
        self._worker: Cancellable | None = None
        self._running = False
        if engine is not None and self.conversation.model:
            engine.options.model = self.conversation.model

    def subscribe(self, listener: Listener) -> None:
        """`listener` gets every `ChatEvent` from now on, after those subscribed earlier."""
        self.listeners.append(listener)

    def emit(self, event: ChatEvent) -> None:
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:  # a listener must never break the chat
                log.exception("listener failed on %s", type(event).__name__)

    # --- state --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._running

    def can_regenerate(self) -> bool:
        return not self.busy and self.conversation.last("user") is not None

    @property
    def ready(self) -> bool:
        """Whether there is a model to send to (False: not configured, `not_ready` says why)."""
        return self.engine is not None

    @property
    def model(self) -> str | None:
        """The model the next request uses (None: no engine and none chosen)."""
        if self.engine is not None:
            return self.engine.options.model
        return self.conversation.model

    @property
    def temperature(self) -> float | None:
        return self.engine.options.temperature if self.engine is not None else None

    @property
    def client(self) -> Any:
        """The SDK client (made on first use); None when not configured."""
        return self.engine.client if self.engine is not None else None

    def prepare(self) -> None:
        """Import the SDK, make the client and import jsonschema (the first tool call validates
        its arguments with it) now, so the first request waits for none. Call in a thread;
        never raises: whatever fails here fails again, visibly, on first use."""
        try:
            if self.engine is not None:
                self.engine.prepare()
            if self.busy:
                return  # a reply streams: jsonschema waits for its first use (a tool call)
            import jsonschema  # noqa: F401
        except Exception:
            log.debug("preparing failed", exc_info=True)

    async def close(self) -> None:
        """Close the client's connection pool, if one was made; never raises."""
        engine = self.engine
        close = getattr(engine.client, "close", None) if engine is not None and engine.has_client else None
        if close is not None:
            try:
                await close()
            except Exception:  # quitting: nothing to do about it
                log.debug("closing the client failed", exc_info=True)

    # --- conversations --------------------------------------------------------------------------

    def open(self, conversation: Conversation) -> None:
        """Make `conversation` the current one (listeners redraw / switch what they save)."""
        self.stop()
        self.conversation = conversation
        self.editing = None
        if conversation.model and self.engine is not None:
            self.engine.options.model = conversation.model
        self.emit(ConversationOpened(conversation))

    def fresh_conversation(self, *, system_prompt: str | None, model: str | None) -> Conversation:
        conversation = Conversation(system_prompt=system_prompt, model=model)
        self.open(conversation)
        return conversation

    def replace_path(self) -> None:
        """The current path was replaced as a whole (compaction made a new branch): listeners
        redraw it, the session saver writes it (nothing is deleted)."""
        self.editing = None
        self.emit(ConversationOpened(self.conversation))
        self.emit(ConversationChanged(self.conversation))

    def set_model(self, model: str) -> None:
        self.conversation.model = model
        if self.engine is not None:
            self.engine.options.model = model
        self.emit(ConversationChanged(self.conversation))

    def set_system_prompt(self, text: str | None) -> None:
        """Use `text` from the next request on. Mid-session the change is a `system` message at
        this point of the conversation (shown and saved there); the prompt the session started
        with stays as it was, for what came before."""
        conversation = self.conversation
        if (text or None) == conversation.current_system_prompt:
            return
        change = conversation.change_system_prompt(text)
        if change is not None:
            self.emit(MessageAdded(change))
        self.emit(ConversationChanged(conversation))

    def set_temperature(self, temperature: float | None) -> None:
        if self.engine is not None:
            self.engine.options.temperature = temperature

    # --- sending ----------------------------------------------------------------------------------

    def send(self, text: str, *, attachments: list[Attachment] | None = None) -> Message | None:
        """Append the user's message (if editing: as a new sibling of the edited one, whose
        branch stays in the tree) and start a turn. Without an engine the message is not added:
        `SendRefused` says why, and None returns. `attachments` None keeps an edited message's
        attachments (the same bytes as before)."""
        if self.busy:
            raise RuntimeError("a turn is already running")
        if self.engine is None:
            self.emit(SendRefused(self.not_ready or "Not configured."))
            return None
        if attachments is None:
            attachments = list(self.editing.attachments) if self.editing is not None else []
        if self.editing is not None:
            self._branch_above(self.editing)
            self.editing = None
        message = self.conversation.add(Message(role="user", content=text, attachments=attachments))
        tree_of(self.conversation)  # filed now: the log marks it "n/n" as it mounts
        self.emit(MessageAdded(message))
        self._start()
        return message

    def regenerate(self, reply: Message | None = None) -> bool:
        """Run a turn again: the one that holds `reply` (an assistant message on the path), or
        else the last one. The new reply becomes a sibling of the turn's first reply; the old
        one stays in the tree. Without an engine, the same as sending it (`SendRefused`)."""
        if self.busy:
            return False
        user = self._turn_user(reply) if reply is not None else self.conversation.last("user")
        if user is None:
            return False
        if self.engine is None:
            self.emit(SendRefused(self.not_ready or "Not configured."))
            return False
        self.editing = None
        messages = self.conversation.messages
        index = self._index(user)
        if index + 1 < len(messages):
            self._branch_above(messages[index + 1])
        self._start()
        return True

    def start_edit(self, message: Message | None = None) -> str | None:
        """A user message (`message`, or else the last) goes back to the prompt; sending makes
        the edited text its new sibling."""
        if self.busy:
            return None
        user = message if message is not None else self.conversation.last("user")
        if user is None or user.role != "user" or not self._on_path(user):
            return None
        self.editing = user
        return user.content or ""

    def cancel_edit(self) -> None:
        self.editing = None

    def switch_branch(self, message: Message, step: int) -> bool:
        """Show the previous (-1) / next (+1) sibling of `message` (on the path) and, below it,
        the branch used last. False (nothing changes) while a turn runs or past either end."""
        if self.busy or not self._on_path(message):
            return False
        conversation = self.conversation
        tree = tree_of(conversation)
        parent = tree.parent_id(message.id)
        if not switch_sibling(conversation, message.id, step, now=time.time()):
            return False
        if self.editing is not None and not self._on_path(self.editing):
            self.editing = None
        after = tree.get(parent) if parent is not None else None
        index = self._index(after) + 1 if after is not None else 0
        self.emit(BranchSwitched(conversation, conversation.messages[index], after))
        return True

    def show_message(self, message_id: str) -> bool:
        """Show the branch that holds `message_id` (a search hit in the open conversation).
        False while a turn runs or when it is unknown; True (no event) when already shown."""
        conversation = self.conversation
        tree = tree_of(conversation)
        if self.busy or message_id not in tree:
            return False
        old = list(conversation.messages)
        show_branch(conversation, message_id, now=time.time())
        new = conversation.messages
        same = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a is not b), None)
        if same is None:
            same = min(len(old), len(new))
        if same >= len(new):
            return True
        if self.editing is not None and not self._on_path(self.editing):
            self.editing = None
        self.emit(BranchSwitched(conversation, new[same], new[same - 1] if same else None))
        return True

    def stop(self) -> bool:
        """Cancel the running turn: the engine keeps the partial reply (marked stopped) and
        answers pending tool calls, so the conversation stays valid."""
        if self._worker is not None and self._running:
            self._worker.cancel()
            return True
        return False

    def _on_path(self, message: Message) -> bool:
        return any(m is message for m in self.conversation.messages)

    def _index(self, message: Message) -> int:
        return next(i for i, m in enumerate(self.conversation.messages) if m is message)

    def _turn_user(self, reply: Message) -> Message | None:
        """The user message that started the turn holding `reply`."""
        if not self._on_path(reply):
            return None
        messages = self.conversation.messages
        for i in range(self._index(reply), -1, -1):
            if messages[i].role == "user":
                return messages[i]
        return None

    def _branch_above(self, message: Message) -> None:
        """Cut the path just above `message` (edit, regenerate): the next message appended is
        its sibling. What was cut stays in the tree; listeners see `MessagesRemoved`."""
        conversation = self.conversation
        index = self._index(message)
        removed = conversation.messages[index:]
        branch_above(conversation, message.id)
        after = conversation.messages[-1] if conversation.messages else None
        self.emit(MessagesRemoved(conversation, tuple(removed), after))

    # --- the turn ----------------------------------------------------------------------------------

    def _start(self) -> None:
        self._running = True
        self.emit(TurnStarted())
        self._worker = self.host.run_turn(self._turn(self.conversation))

    def _emit(self, conversation: Conversation, event: ChatEvent) -> None:
        # Events of a turn still running on a conversation that is no longer the current one
        # (it was stopped as another opened) go nowhere: listeners follow the current one.
        if conversation is self.conversation:
            self.emit(event)

    async def _turn(self, conversation: Conversation) -> None:
        assert self.engine is not None
        seen = {m.id for m in conversation.messages}
        ended = False
        try:
            for gate in self.request_gates:
                await gate()
            async for event in self.engine.run_turn(conversation, confirm=self.host.confirm_tool):
                if isinstance(event, MessageAdded):
                    seen.add(event.message.id)
                    tree_of(conversation)  # filed under the message before it, at once
                if isinstance(event, TurnEnded):
                    ended = True
                self._emit(conversation, event)
        except asyncio.CancelledError:
            self._after_stop(conversation, seen, ended)
            raise
        except Exception as exc:  # a bug below us: show it, keep the app and conversation usable
            log.exception("turn failed")
            if not ended:
                self._emit(
                    conversation, TurnFailed("other", f"Internal error: {exc!r}. Press ctrl+r to retry.")
                )
                last = conversation.last("assistant")
                self._emit(conversation, TurnEnded((last.content or "") if last else "", "error"))
        finally:
            self._running = False
            self._worker = None
            self.emit(TurnClosed())

    def _after_stop(self, conversation: Conversation, seen: set[str], ended: bool) -> None:
        """The engine answers pending calls without events when cancelled: report those, then
        end the turn, so the screen and observers see a complete picture."""
        if ended:
            return
        for message in conversation.messages:
            if message.id in seen:
                continue
            seen.add(message.id)
            self._emit(conversation, MessageAdded(message))
            if message.role in ("tool", "function") and message.activity is not None:
                status: ResultStatus = "refused"
                if message.activity.status in ("ok", "error", "stopped"):
                    status = message.activity.status
                self._emit(
                    conversation,
                    ToolResultReady(
                        message.tool_call_id or "",
                        message.name or "",
                        status,
                        message.content or "",
                        message.activity.duration or 0.0,
                        message.id,
                    ),
                )
        last = conversation.last("assistant")
        self._emit(conversation, TurnEnded((last.content or "") if last else "", "interrupted"))
