"""The app's flow in one place: a user message is appended, a turn runs in a worker, every
event goes to the screen (and to observers such as the session recorder).

    send(text) ─► conversation.add(user message) ─► observers.user_message
                ─► worker: async for event in engine.run_turn(conversation, confirm=...)
                       ─► observers.turn_event(event) ─► host.show_event(event)
                ─► always ends with a TurnEnded event (synthesised after a stop)

The controller owns no widgets: the host (the app) renders events and asks for confirmation.
Regenerate and edit change the conversation here, and tell observers what was removed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from textual.worker import Worker

from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import (
    Event,
    MessageAdded,
    ToolResultReady,
    TurnEnded,
    TurnFailed,
)
from tui_chat.engine.turn import ChatEngine, ResultStatus

log = logging.getLogger(__name__)


class ChatObserver:
    """Hooks for whoever needs to follow the conversation (the session recorder). Every method
    runs on the app's event loop and must return quickly. Override what you need."""

    def conversation_opened(self, conversation: Conversation) -> None:
        """A conversation became the current one (start-up, new chat, clear, loaded)."""

    def user_message(self, conversation: Conversation, message: Message) -> None:
        """The user's message was appended; the request has not been sent yet."""

    def turn_event(self, conversation: Conversation, event: Event) -> None:
        """One event of the running turn. The last event of every turn is `TurnEnded`."""

    def messages_removed(self, conversation: Conversation, removed: list[Message]) -> None:
        """Regenerate or edit removed these messages from the end of the conversation."""

    def conversation_changed(self, conversation: Conversation) -> None:
        """The model or the system prompt of the conversation changed."""

    async def before_request(self, conversation: Conversation) -> None:
        """Awaited in the turn's worker before the request goes out (the session recorder
        waits here until the user's message is committed)."""


class ChatHost(Protocol):
    """What the controller needs from the app."""

    def run_turn_worker(self, work: Coroutine[Any, Any, None]) -> Worker[None]: ...

    def show_event(self, event: Event) -> None: ...

    def turn_started(self) -> None: ...

    def turn_finished(self) -> None: ...

    async def confirm_tool(self, call: ToolCall) -> bool: ...


class NotReady(Exception):
    """No engine: the app is not configured (no API key / base URL). `str()` says what to do."""


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
        self.observers: list[ChatObserver] = []
        self.editing: Message | None = None  # the user message being edited, if any
        self._worker: Worker[None] | None = None
        self._running = False

    # --- state --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._running

    def can_regenerate(self) -> bool:
        return not self.busy and self.conversation.last("user") is not None

    # --- conversations --------------------------------------------------------------------------

    def open(self, conversation: Conversation) -> None:
        """Make `conversation` the current one (the app redraws the log)."""
        self.stop()
        self.conversation = conversation
        self.editing = None
        for observer in self.observers:
            observer.conversation_opened(conversation)

    def fresh_conversation(self, *, system_prompt: str | None, model: str | None) -> Conversation:
        conversation = Conversation(system_prompt=system_prompt, model=model)
        self.open(conversation)
        return conversation

    def set_model(self, model: str) -> None:
        self.conversation.model = model
        if self.engine is not None:
            self.engine.options.model = model
        self._changed()

    def set_system_prompt(self, text: str | None) -> None:
        self.conversation.system_prompt = text or None
        self._changed()

    def _changed(self) -> None:
        for observer in self.observers:
            observer.conversation_changed(self.conversation)

    # --- sending ----------------------------------------------------------------------------------

    def send(self, text: str) -> Message:
        """Append the user's message (replacing the edited exchange, if editing) and start a turn.
        Raises NotReady when there is no engine; the message is then not added."""
        if self.busy:
            raise RuntimeError("a turn is already running")
        if self.engine is None:
            raise NotReady(self.not_ready or "not configured")
        if self.editing is not None:
            self._truncate(self.editing, keep=False)
            self.editing = None
        message = self.conversation.add(Message(role="user", content=text))
        for observer in self.observers:
            observer.user_message(self.conversation, message)
        self._start(carry=[])
        return message

    def regenerate(self) -> bool:
        """Run the last user message again; the replaced reply's text is kept as an earlier
        version of the new reply (`Message.previous_versions`)."""
        if self.busy:
            return False
        if self.engine is None:
            raise NotReady(self.not_ready or "not configured")
        user = self.conversation.last("user")
        if user is None:
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
            for observer in self.observers:
                observer.messages_removed(self.conversation, removed)
        return removed

    # --- the turn ----------------------------------------------------------------------------------

    def _start(self, *, carry: list[str]) -> None:
        self._running = True
        self.host.turn_started()
        self._worker = self.host.run_turn_worker(self._turn(self.conversation, carry))

    def _emit(self, conversation: Conversation, event: Event) -> None:
        for observer in self.observers:
            try:
                observer.turn_event(conversation, event)
            except Exception:  # an observer must never break the chat
                log.exception("observer failed on %s", type(event).__name__)
        self.host.show_event(event)

    async def _turn(self, conversation: Conversation, carry: list[str]) -> None:
        assert self.engine is not None
        seen = {m.id for m in conversation.messages}
        reply: Message | None = None
        ended = False
        try:
            for observer in self.observers:
                await observer.before_request(conversation)
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
            self.host.turn_finished()

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
