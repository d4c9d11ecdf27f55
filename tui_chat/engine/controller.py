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
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from tui_chat.attachments.model import Attachment
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import (
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
        """Append the user's message (replacing the edited exchange, if editing) and start a turn.
        Without an engine the message is not added: `SendRefused` says why, and None returns.
        `attachments` None keeps an edited message's attachments (the same bytes as before)."""
        if self.busy:
            raise RuntimeError("a turn is already running")
        if self.engine is None:
            self.emit(SendRefused(self.not_ready or "Not configured."))
            return None
        if attachments is None:
            attachments = list(self.editing.attachments) if self.editing is not None else []
        if self.editing is not None:
            self._truncate(self.editing, keep=False)
            self.editing = None
        message = self.conversation.add(Message(role="user", content=text, attachments=attachments))
        self.emit(MessageAdded(message))
        self._start(carry=[])
        return message

    def regenerate(self) -> bool:
        """Run the last user message again; the replaced reply's text is kept as an earlier
        version of the new reply (`Message.previous_versions`). Without an engine, the same
        as sending it (`SendRefused`)."""
        if self.busy:
            return False
        user = self.conversation.last("user")
        if user is None:
            return False
        if self.engine is None:
            self.emit(SendRefused(self.not_ready or "Not configured."))
            return False
        self.editing = None
        removed = self._truncate(user, keep=True)
        carry: list[str] = []
        old = next((m for m in reversed(removed) if m.role == "assistant" and m.content), None)
        if old is not None:
            carry = [*old.previous_versions, old.content or ""]
        else:
            for m in removed:  # nothing to keep but what was kept before
                carry.extend(m.previous_versions)
        self._start(carry=carry)
        return True

    def start_edit(self) -> str | None:
        """The last user message goes back to the prompt; sending replaces that exchange."""
        if self.busy:
            return None
        user = self.conversation.last("user")
        if user is None:
            return None
        self.editing = user
        return user.content or ""

    def cancel_edit(self) -> None:
        self.editing = None

    def stop(self) -> bool:
        """Cancel the running turn: the engine keeps the partial reply (marked stopped) and
        answers pending tool calls, so the conversation stays valid."""
        if self._worker is not None and self._running:
            self._worker.cancel()
            return True
        return False

    def _truncate(self, message: Message, *, keep: bool) -> list[Message]:
        messages = self.conversation.messages
        index = next(i for i, m in enumerate(messages) if m is message)
        cut = index + 1 if keep else index
        removed = messages[cut:]
        del messages[cut:]
        if removed:
            after = messages[cut - 1] if cut > 0 else None
            self.emit(MessagesRemoved(self.conversation, tuple(removed), after))
        return removed

    # --- the turn ----------------------------------------------------------------------------------

    def _start(self, *, carry: list[str]) -> None:
        self._running = True
        self.emit(TurnStarted())
        self._worker = self.host.run_turn(self._turn(self.conversation, carry))

    def _emit(self, conversation: Conversation, event: ChatEvent) -> None:
        # Events of a turn still running on a conversation that is no longer the current one
        # (it was stopped as another opened) go nowhere: listeners follow the current one.
        if conversation is self.conversation:
            self.emit(event)

    async def _turn(self, conversation: Conversation, carry: list[str]) -> None:
        assert self.engine is not None
        seen = {m.id for m in conversation.messages}
        reply: Message | None = None
        ended = False
        try:
            for gate in self.request_gates:
                await gate()
            async for event in self.engine.run_turn(conversation, confirm=self.host.confirm_tool):
                if isinstance(event, MessageAdded):
                    seen.add(event.message.id)
                    if event.message.role == "assistant":
                        if carry and reply is None:
                            event.message.previous_versions = [*carry, *event.message.previous_versions]
                        reply = event.message if reply is None else reply
                if isinstance(event, TurnEnded):
                    self._move_versions(conversation, reply)
                    ended = True
                self._emit(conversation, event)
        except asyncio.CancelledError:
            self._after_stop(conversation, seen, reply, ended)
            raise
        except Exception as exc:  # a bug below us: show it, keep the app and conversation usable
            log.exception("turn failed")
            if not ended:
                self._emit(
                    conversation, TurnFailed("other", f"Internal error: {exc!r}. Press ctrl+r to retry.")
                )
                self._move_versions(conversation, reply)
                last = conversation.last("assistant")
                self._emit(conversation, TurnEnded((last.content or "") if last else "", "error"))
        finally:
            self._running = False
            self._worker = None
            self.emit(TurnClosed())

    def _after_stop(
        self, conversation: Conversation, seen: set[str], reply: Message | None, ended: bool
    ) -> None:
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
        self._move_versions(conversation, reply)
        last = conversation.last("assistant")
        self._emit(conversation, TurnEnded((last.content or "") if last else "", "interrupted"))

    @staticmethod
    def _move_versions(conversation: Conversation, first: Message | None) -> None:
        """Earlier versions belong on the turn's final reply (after tool rounds, that is not the
        first assistant message)."""
        final = conversation.last("assistant")
        if first is None or final is None or final is first or not first.previous_versions:
            return
        final.previous_versions = [*first.previous_versions, *final.previous_versions]
        first.previous_versions = []
