"""The tool-activity sidebar: every tool call the model makes, live, grouped per turn.

It listens to the controller's `ChatEvent` stream (`ToolSidebar.handle_event`); an opened
session is drawn with `show_history`, which gives the same picture the live events gave.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import assert_never

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.engine.conversation import Conversation, Message, answered_calls
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
from tui_chat.ui.widgets.mcp_servers_panel import McpServersPanel
from tui_chat.ui.widgets.text import first_line, visible_literal
from tui_chat.ui.widgets.tool_call_card import Clock, HeaderRow, ToolCallCard

__all__ = ["ToolCallCard", "ToolSidebar", "ToolTurn"]


class ToolTurn(Vertical):
    """The calls of one turn under a small header ("Turn 3 · the prompt …   2 calls")."""

    DEFAULT_CSS = """
    ToolTurn {
        height: auto;
        .tool-turn-header {
            margin: 0 0 1 0;
            color: $text-muted;
        }
    }
    """

    def __init__(self, number: int, prompt: str | None) -> None:
        super().__init__()
        self.number = number
        self.prompt = prompt
        self.cards: list[ToolCallCard] = []
        title = Content.assemble((f"Turn {number}", "bold $text-primary"))
        snippet = first_line(prompt or "", 120)
        if snippet:
            title = Content.assemble(title, " · ", visible_literal(snippet))
        self._title_content = title
        self._header = HeaderRow(classes="tool-turn-header")
        self._composed = False

    def compose(self) -> ComposeResult:
        self._composed = True
        yield self._header
        yield from self.cards

    def add_card(self, card: ToolCallCard) -> None:
        self.cards.append(card)
        if self._composed:
            self.mount(card)
        count = len(self.cards)
        self._header.set(self._title_content, Content(f"{count} call{'s' if count != 1 else ''}"))


class ToolSidebar(VerticalScroll):
    """Tool calls as they happen: a card per call, grouped per turn, newest at the bottom.

    Feed it the controller's events with `handle_event` (tool events and `TurnEnded`; a user
    `MessageAdded` adds the prompt to the turn header; an opened conversation or removed
    messages rebuild it). It follows the newest call unless the user scrolled up to read.
    """

    DEFAULT_CSS = """
    ToolSidebar {
        background: $sidebar-background;
        padding: 1 1 0 1;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;

        #tool-sidebar-empty {
            width: 1fr;
            height: auto;
            padding: 1 1;
            color: $text-muted;
            text-align: center;
        }
    }
    """

    # Only this many turns are kept on screen; older ones stay in the session history.
    MAX_TURNS = 50
    # Opening a session builds only its last few turns; scrolling to the top builds the rest
    # (up to MAX_TURNS).
    INITIAL_TURNS = 10

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        # The cards of the response the calls now come from, by call id. Ids are only unique
        # within one response: servers reuse them across rounds and turns (`call_0` every time),
        # so a card is the call at its place in its response, never "the card with that id".
        self._live: dict[str, ToolCallCard] = {}
        self._live_response: str | None = None
        self._turns: list[ToolTurn] = []
        self._current: ToolTurn | None = None
        self._turn_number = 0
        self._turn_open = False
        self._turn_prompt: str | None = None
        self._empty = Static(
            Content.assemble(
                ("No tool calls yet", "bold"),
                "\n",
                ("Tools the model calls show up here as they run.", "$foreground-muted"),
            ),
            id="tool-sidebar-empty",
        )
        self._composed = False
        self._history: Conversation | None = None  # the conversation show_history built from
        self._history_more = False  # it has turns with calls older than those shown
        self._pending: Conversation | None = None  # show_history_later, not built yet
        self._pending_count = 0  # how many messages it had then
        self._built: tuple[object, ...] | None = None  # what show_history built (_history_key)
        # Which MCP server runs a tool (None: not an MCP tool), for the cards of live calls.
        self.server_of: Callable[[str], str | None] = lambda name: None
        self.servers = McpServersPanel(id="tool-sidebar-servers")

    def compose(self) -> ComposeResult:
        self._composed = True
        yield self.servers
        yield self._empty
        yield from self._turns

    def on_resize(self) -> None:
        self._follow_if_overflowing()

    def watch_virtual_size(self) -> None:
        # The calls grew or shrank (no Resize event for that): decide after this layout pass.
        self.call_next(self._follow_if_overflowing)

    def _follow_if_overflowing(self) -> None:
        """Anchor (follow the newest call) only once the calls overflow the panel: an anchored
        widget bottom-aligns short content, and a short list reads better from the top."""
        overflowing = self.virtual_size.height > self.scrollable_content_region.height
        if overflowing and not self.is_anchored:
            self.anchor()
        elif not overflowing and self.is_anchored:
            self.anchor(False)
            self.scroll_to(y=0, animate=False, immediate=True)
        if not overflowing and self._history_more and all(turn.region for turn in self._turns):
            # Every turn shown is laid out and they fit: nothing to scroll up with.
            self.show_earlier_turns()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 and self._history_more:
            self.call_after_refresh(self.show_earlier_turns)

    def show_earlier_turns(self) -> None:
        """Build the older turns of the history (up to MAX_TURNS), keeping the turn the user
        looks at in place. Only between turns: a running turn is never rebuilt."""
        conversation = self._history
        if not self._history_more or conversation is None or self._turn_open or self._current is not None:
            return
        first = self._turns[0].number if self._turns else None
        self.show_history(conversation, max_turns=self.MAX_TURNS)
        if first is None or not self.is_mounted:
            return
        turn = next((t for t in self._turns if t.number == first), None)
        if turn is not None:
            self.anchor(False)
            self.call_after_refresh(self.scroll_to_widget, turn, animate=False, top=True, immediate=True)

    # ------------------------------------------------------------------ reading state
    @property
    def cards(self) -> list[ToolCallCard]:
        """Every card shown, oldest first."""
        return [card for turn in self._turns for card in turn.cards]

    @property
    def turns(self) -> list[ToolTurn]:
        return list(self._turns)

    def card(self, call_id: str) -> ToolCallCard | None:
        """The newest card shown for `call_id`."""
        live = self._live.get(call_id)
        if live is not None:
            return live
        return next((card for card in reversed(self.cards) if card.call_id == call_id), None)

    # ------------------------------------------------------------------ the public API
    def handle_event(self, event: ChatEvent) -> None:
        """Apply one event of the controller's stream."""
        match event:
            case TextDelta() | ReasoningDelta():
                return  # the most frequent, and not the sidebar's
            case ConversationOpened(conversation=conversation):
                # The log first: the sidebar's turns are built once the log has painted.
                self.show_history_later(conversation)
                return
            case MessagesRemoved(conversation=conversation):
                # Regenerate / edit: what stays (a conversation ending with the user's
                # message keeps its turn open for the calls to come).
                self.show_history(conversation)
                return
            case BranchSwitched(conversation=conversation):
                # The calls of the branch now on screen, built (as on opening) once the log
                # has painted it, its last turns first; unless they are the ones shown (a
                # switch between replies without calls, below them): nothing to rebuild.
                if self._pending is None and self._built == _history_key(
                    conversation.messages, self.INITIAL_TURNS
                ):
                    self._history = conversation
                else:
                    self.show_history_later(conversation)
                return
            case (
                ResponseFinished()
                | TurnFailed()
                | ConversationChanged()
                | TurnStarted()
                | TurnClosed()
                | SendRefused()
                | RequestRetrying()
            ):
                return
            case _:
                pass
        if self._pending is not None:
            self._build_pending()  # the history first, so turns keep their numbers
        self._built = None  # live calls (or a turn) on top of the history built
        match event:
            case ToolCallArgumentsDelta():
                card = self._live.get(event.id)
                if card is not None:
                    card.append_arguments(event.delta)
            case ToolCallStarted():
                if event.message_id != self._live_response:
                    self._new_response(event.message_id)
                self._card_for(event.id, event.name).set_server(self.server_of(event.name))
            case ToolCallCompleted():
                card = self._card_for(event.call.id, event.call.name)
                card.set_server(self.server_of(event.call.name))
                card.complete_arguments(event.call.arguments)
            case ToolExecutionStarted():
                self._card_for(event.id, event.name).start_running()
            case ToolResultReady():
                self._card_for(event.id, event.name).finish(event.status, event.content, event.duration)
            case TurnEnded():
                self._end_turn()
            case MessageAdded(message=message):
                if message.role == "user":
                    self._begin_turn(message.content)
            case _:
                assert_never(event)

    def show_history_later(self, conversation: Conversation) -> None:
        """Clear now, and build `show_history(conversation)` after the next screen refresh, so
        what the chat log mounted is painted first (opening a session). A live event arriving
        before then builds it at once."""
        self.clear()
        self._pending = conversation
        self._pending_count = len(conversation.messages)
        self.call_after_refresh(self._build_pending)

    def _build_pending(self) -> None:
        conversation, self._pending = self._pending, None
        if conversation is None:
            return
        if len(conversation.messages) > self._pending_count:
            # A live event came first: its messages are already in the conversation, and the
            # events build them; the history is only what was there when it was opened.
            earlier = dataclasses.replace(conversation, messages=conversation.messages[: self._pending_count])
            self.show_history(earlier, max_turns=self.INITIAL_TURNS)
            self._history = conversation
        else:
            self.show_history(conversation, max_turns=self.INITIAL_TURNS)

    def show_history(self, conversation: Conversation, *, max_turns: int | None = None) -> None:
        """Rebuild from a (not running) conversation: its calls as they happened (its last
        `max_turns` turns with calls, MAX_TURNS by default; scrolling to the top shows more,
        up to MAX_TURNS)."""
        self.clear()
        # Only the turns that stay on screen are built: a long session opens quickly.
        messages = conversation.messages
        limit = min(max_turns or self.MAX_TURNS, self.MAX_TURNS)
        start = _history_start(messages, limit)
        self._built = _history_key(messages, limit)
        self._history = conversation
        self._history_more = limit < self.MAX_TURNS and _has_calls(messages[:start])
        self._turn_number = sum(1 for m in messages[:start] if m.role == "user")
        answers = answered_calls(messages[start:])
        for message in messages[start:]:
            if message.role == "user":
                self._begin_turn(message.content)
            elif message.role == "assistant" and message.tool_calls:
                self._new_response(message.id)
                for call in message.tool_calls:
                    card = self._card_for(call.id, call.name)
                    card.complete_arguments(call.arguments)
            elif message.role in ("tool", "function"):
                answered = answers.get(message.id)
                answered_card = self._live.get(answered[1]) if answered is not None else None
                if answered_card is None:
                    continue
                activity = message.activity
                if activity is not None and activity.server:
                    answered_card.set_server(activity.server)
                status = activity.status if activity is not None else "ok"
                if status in ("ok", "error", "refused", "stopped"):
                    duration = activity.duration if activity is not None else None
                    answered_card.finish(status, message.content or "", duration)
        # A conversation ending with the user's message has its turn about to run (regenerate,
        # an edited message): that turn stays open, so it keeps its number when its calls come.
        if self._turn_open and not (messages and messages[-1].role == "user"):
            self._end_turn()
        if self.is_mounted:
            self.scroll_end(animate=False)

    def clear(self) -> None:
        """Remove every call (a new conversation)."""
        for turn in self._turns:
            if turn.is_attached:
                turn.remove()
        self._turns.clear()
        self._new_response(None)
        self._current = None
        self._turn_number = 0
        self._turn_open = False
        self._turn_prompt = None
        self._empty.display = True
        self._history = None
        self._history_more = False
        self._pending = None
        self._built = None

    # ------------------------------------------------------------------ turns
    def _begin_turn(self, prompt: str | None) -> None:
        if self._turn_open:
            self._end_turn()
        self._turn_number += 1
        self._turn_open = True
        self._turn_prompt = prompt

    def _end_turn(self) -> None:
        if not self._turn_open:
            self._turn_number += 1  # a turn we saw nothing of before it ended
        if self._current is not None:
            for card in self._current.cards:
                card.stop()
        self._turn_open = False
        self._turn_prompt = None
        self._current = None
        self._new_response(None)

    def _new_response(self, message_id: str | None) -> None:
        """Calls now come from the response `message_id`: earlier cards keep their ids."""
        self._live = {}
        self._live_response = message_id

    def _card_for(self, call_id: str, name: str) -> ToolCallCard:
        card = self._live.get(call_id)
        if card is not None:
            return card
        if not self._turn_open:
            self._begin_turn(None)
        if self._current is None:
            self._current = ToolTurn(self._turn_number, self._turn_prompt)
            self._turns.append(self._current)
            self._empty.display = False
            if self._composed:
                self.mount(self._current)
            self._prune()
            if self.is_mounted:
                self.scroll_end(animate=False)  # a new turn: follow it again
        card = ToolCallCard(call_id, name, clock=self.clock)
        self._live[call_id] = card
        self._current.add_card(card)
        return card

    def _prune(self) -> None:
        while len(self._turns) > self.MAX_TURNS:
            old = self._turns.pop(0)
            for card in old.cards:
                if self._live.get(card.call_id) is card:
                    del self._live[card.call_id]
            if old.is_attached:
                old.remove()


def _has_calls(messages: list[Message]) -> bool:
    return any(m.role == "assistant" and m.tool_calls for m in messages)


def _history_key(messages: list[Message], max_turns: int) -> tuple[object, ...]:
    """What `show_history` builds from `messages`: equal keys, equal sidebars."""
    start = _history_start(messages, max_turns)
    shown = tuple(
        (m.id, m.content if m.role == "user" else None)
        for m in messages[start:]
        if m.role in ("user", "tool", "function") or (m.role == "assistant" and m.tool_calls)
    )
    before = sum(1 for m in messages[:start] if m.role == "user")
    return (max_turns, before, _has_calls(messages[:start]), shown, messages[-1].role if messages else None)


def _history_start(messages: list[Message], max_turns: int) -> int:
    """Where the last `max_turns` turns with tool calls begin (a user message's index)."""
    kept = 0
    has_calls = False
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.role == "assistant" and message.tool_calls:
            has_calls = True
        elif message.role == "user":
            if has_calls:
                kept += 1
                if kept == max_turns:
                    return index
            has_calls = False
    return 0
