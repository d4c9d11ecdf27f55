"""The chat log: one widget per message, a window over the conversation.

The conversation is the truth; the log mounts widgets for its most recent messages only
(`INITIAL`, about a screenful), loads older ones (`WINDOW` at a time) when the user scrolls to
the top, and prunes from the top when a long session grows. It is anchored: it follows a
streaming reply unless the user scrolled up, and re-attaches when they scroll back to the bottom.

It listens to the controller's `ChatEvent` stream through `queue_event` (called from the
controller, mostly in the turn's worker): events wait in a queue and one `ChatLog.TurnEvents`
message hands over everything queued since the last, so rendering runs in the log's own task,
never delays the worker reading the stream (nor the app's key handling), and costs one message
per batch rather than one per token (streamed text waits a few ms for company, handover.py).
`ConversationOpened` is awaited there (the new tail is mounted before later events apply);
`drain` handles the queue at once (after opening).

Branches: a message with siblings shows `‹ 2/3 ›`. A switch (`BranchSwitched`) or a cut path
(`MessagesRemoved`: edit, regenerate) redraws only below the last unchanged message: the views
under it are unmounted and the new branch's mounted (the whole tail only when that is more
than a window, or the change is above the mounted ones), so a switch costs what it shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import assert_never

from textual.app import ComposeResult
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.widget import Widget

from tui_chat.engine.conversation import Conversation, Message, tool_results
from tui_chat.engine.conversation_tree import Branching, tree_of
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
from tui_chat.ui.bindings import LOG_BINDINGS
from tui_chat.ui.widgets.handover import Handover
from tui_chat.ui.widgets.log_base import FollowingLog
from tui_chat.ui.widgets.log_branches import redraw_below, select_message
from tui_chat.ui.widgets.log_window import INITIAL, PRUNE_AT, WINDOW, displayed
from tui_chat.ui.widgets.messages import (
    AssistantMessage,
    ErrorMessage,
    MessageView,
    OlderMessages,
    UserMessage,
    WelcomeMessage,
)
from tui_chat.ui.widgets.system_prompt_change import SystemPromptChange


@dataclass
class _Turn:
    """What the log tracks for the turn that is running."""

    views: list[AssistantMessage]


class ChatLog(FollowingLog, can_focus=True):
    BINDINGS = LOG_BINDINGS

    class TurnEvents(TextualMessage):
        """Events were queued (`queue_event`): handle them, in order."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.conversation = Conversation()
        self._call_owner: dict[str, AssistantMessage] = {}
        self._first_index = 0  # index in conversation.messages of the oldest mounted message
        self._older: OlderMessages | None = None
        self._welcome: Widget | None = None
        self._loading_older = False
        self._turn: _Turn | None = None
        self._queued: list[ChatEvent] = []
        self._handover = Handover(lambda: self.post_message(self.TurnEvents()))  # streamed text: batched
        self.welcome: str | None = None  # shown in an empty conversation
        self._draining = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield self.new_text_below

    def on_mount(self) -> None:
        self.anchor()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # A growing reply changes the log's virtual height; Textual would then lay the screen
        # out again although the layout that measured it already placed everything (and the
        # scrollbars are updated either way): a second full repaint per growth step, for nothing.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    # --- whole conversation ----------------------------------------------------------------

    async def show_conversation(self, conversation: Conversation) -> None:
        """Replace everything with the tail of `conversation` (opening, new chat, reload)."""
        welcome = self.welcome
        self.conversation = conversation
        self._views.clear()
        self._call_owner.clear()
        self._turn = None
        self._set_selected(None)
        self._older = None
        self._welcome = None
        self._pinned = None
        await self.remove_children([c for c in self.children if c is not self.new_text_below])
        self._unseen = False
        self._update_marker()
        messages = conversation.messages
        shown = [i for i, m in enumerate(messages) if displayed(m)]
        tail = shown[-INITIAL:]
        self._first_index = tail[0] if tail else len(messages)
        widgets: list[Widget] = []
        if self._count_older():
            self._older = OlderMessages()
            widgets.append(self._older)
        widgets += self._build(tail)
        if not shown and welcome:
            self._welcome = WelcomeMessage(welcome)
            widgets.append(self._welcome)
        if widgets:
            await self.mount_all(widgets)
        self._update_older()
        self.anchor()
        self.call_after_refresh(self._fill_screen)

    async def _fill_screen(self) -> None:
        """Load older messages while the mounted ones do not fill the log (no way to scroll up)."""
        if self._older is not None and self.max_scroll_y <= 0 and self.region:
            await self.load_older()

    def _remove_welcome(self) -> None:
        if self._welcome is not None:
            self._welcome.remove()
            self._welcome = None

    def _count_older(self) -> int:
        return sum(1 for m in self.conversation.messages[: self._first_index] if displayed(m))

    def _update_older(self) -> None:
        count = self._count_older()
        if count and self._older is None:
            self._older = OlderMessages()
            self.mount(self._older, before=0 if self.children else None)
        if self._older is not None:
            if count:
                self._older.set_count(count)
            else:
                self._older.remove()
                self._older = None

    def _build(self, indices: list[int]) -> list[Widget]:
        messages = self.conversation.messages
        results = tool_results(messages)
        widgets: list[Widget] = []
        previous: Message | None = messages[indices[0] - 1] if indices and indices[0] > 0 else None
        for i in indices:
            message = messages[i]
            view = self._make_view(message, results.get(message.id), previous)
            widgets.append(view)
            if message.role == "assistant" and message.status_detail:
                if message.status == "error":
                    widgets.append(ErrorMessage("other", message.status_detail))
                elif message.status == "interrupted" and message.status_detail != "stopped":
                    widgets.append(ErrorMessage("cut_off", message.status_detail))
            previous = message
        return widgets

    def _branching(self, message: Message) -> Branching | None:
        tree = self.conversation.tree
        if message.id not in tree:
            return None
        place = tree.branching(message.id)
        return place if place.count > 1 else None

    def _make_view(
        self, message: Message, results: dict[str, Message] | None = None, previous: Message | None = None
    ) -> MessageView:
        view: MessageView
        branching = self._branching(message)
        if message.role == "user":
            view = UserMessage(message, branching=branching, classes="message user")
        elif message.role == "system":
            view = SystemPromptChange(message, classes="message system")
        else:
            continuation = previous is not None and previous.role in ("tool", "function", "assistant")
            view = AssistantMessage(
                message,
                results=results,
                continuation=continuation,
                branching=branching,
                classes="message assistant",
            )
            for call in message.tool_calls:
                self._call_owner[call.id] = view
        self._views[message.id] = view
        return view

    # --- older messages ----------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._unseen:
            self._update_marker()
        if new_value <= 0 and self._first_index > 0 and not self._loading_older and self._older:
            self.call_after_refresh(self._load_older_at_top)

    async def _load_older_at_top(self) -> None:
        if self.scroll_y <= 0:  # still at the top (not since sent, followed, or loaded)
            await self.load_older()

    async def load_older(self) -> int:
        """Mount the next `WINDOW` older messages above the first mounted one, keeping what the
        user looks at in place. Returns how many were mounted."""
        if self._loading_older or self._first_index <= 0:
            return 0
        self._loading_older = True
        try:
            messages = self.conversation.messages
            shown = [i for i in range(self._first_index) if displayed(messages[i])]
            batch = shown[-WINDOW:]
            if not batch:
                self._first_index = 0
                self._update_older()
                return 0
            first_view = self._first_view()
            widgets = self._build(batch)
            self._first_index = batch[0]
            if first_view is not None:
                self.pin(first_view)  # what the user reads stays in place (log_base.py)
                await self.mount_all(widgets, before=first_view)
            else:
                await self.mount_all(widgets)
            self._update_older()
            return len(batch)
        finally:
            self._loading_older = False

    def _first_view(self) -> Widget | None:
        for child in self.children:
            if isinstance(child, MessageView | ErrorMessage):
                return child
        return None

    def prune(self) -> None:
        """Unmount the oldest messages when the window grew large, if the user is following
        the bottom (not reading old messages)."""
        if self.is_anchored and self.scroll_y < self.max_scroll_y - 1:
            return
        messages = self.conversation.messages
        mounted = [i for i in range(self._first_index, len(messages)) if displayed(messages[i])]
        if len(mounted) <= PRUNE_AT:
            return
        keep_from = mounted[-WINDOW]
        for i in range(self._first_index, keep_from):
            view = self._views.pop(messages[i].id, None)
            if view is not None:
                view.remove()
        # Error widgets between pruned messages go too.
        first_kept = self._views.get(messages[keep_from].id)
        for child in list(self.children):
            if child is first_kept:
                break
            if isinstance(child, ErrorMessage):
                child.remove()
        self._first_index = keep_from
        self._update_older()

    # --- one message at a time ------------------------------------------------------------

    def add_message(self, message: Message) -> MessageView:
        """Mount a widget for a message appended to the conversation."""
        self._remove_welcome()
        previous = self._previous_of(message)
        view = self._make_view(message, previous=previous)
        self.mount(view)
        return view

    def _previous_of(self, message: Message) -> Message | None:
        messages = self.conversation.messages
        for i in range(len(messages) - 1, 0, -1):
            if messages[i] is message:
                return messages[i - 1]
        return None

    def view_of(self, message_id: str) -> MessageView | None:
        return self._views.get(message_id)

    def _views_removed(self) -> None:
        self._call_owner = {k: v for k, v in self._call_owner.items() if v.message.id in self._views}

    # --- turn events -------------------------------------------------------------------------

    def queue_event(self, event: ChatEvent) -> None:
        """Queue an event for the log's own task (see the module docstring)."""
        self._queued.append(event)
        self._handover.request(delta=type(event) is TextDelta or type(event) is ReasoningDelta)

    async def on_chat_log_turn_events(self, message: TurnEvents) -> None:
        message.stop()
        self._handover.done()
        await self.drain()

    async def drain(self) -> None:
        """Handle everything queued so far, now (the app awaits this after opening a
        conversation, so what it opened is mounted when it goes on)."""
        async with self._draining:  # one batch at a time, in order
            events, self._queued = self._queued, []
            changed = False
            for event in events:
                if type(event) is ConversationOpened:
                    await self.show_conversation(event.conversation)
                    changed = False  # a fresh log: nothing unseen
                elif type(event) is BranchSwitched:
                    await redraw_below(self, event.after)
                    select_message(self, event.message)
                elif type(event) is MessagesRemoved:
                    await redraw_below(self, event.after)
                    self.anchor()
                else:
                    self.handle_event(event)
                    changed = True
            if changed and not self._unseen and not self.following:
                self._unseen = True
                self._update_marker()

    def handle_event(self, event: ChatEvent) -> None:
        """Apply one event (`ConversationOpened` is the queue's: it awaits `show_conversation`)."""
        match event:
            case TextDelta():  # by far the most frequent: first
                view = self._views.get(event.message_id)
                if isinstance(view, AssistantMessage):
                    view.feed(event.text)
            case ReasoningDelta():
                view = self._views.get(event.message_id)
                if isinstance(view, AssistantMessage):
                    view.feed_reasoning(event.text)
            case ToolCallArgumentsDelta():
                owner = self._call_owner.get(event.id)
                if owner is not None:
                    line = owner.tool_lines.get(event.id)
                    if line is not None:
                        line.add_arguments(event.delta)
            case MessageAdded():
                self._message_added(event.message)
            case ToolCallStarted():
                view = self._views.get(event.message_id)
                if isinstance(view, AssistantMessage):
                    self._call_owner[event.id] = view
                    view.add_tool_call(event.id, event.name)
            case ToolCallCompleted():
                owner = self._call_owner.get(event.call.id)
                if owner is not None:
                    line = owner.tool_lines.get(event.call.id) or owner.add_tool_call(
                        event.call.id, event.call.name
                    )
                    line.set_state("pending", arguments=event.call.arguments)
            case ToolExecutionStarted():
                owner = self._call_owner.get(event.id)
                if owner is not None and event.id in owner.tool_lines:
                    owner.tool_lines[event.id].set_state("running")
            case ToolResultReady():
                owner = self._call_owner.get(event.id)
                if owner is not None and event.id in owner.tool_lines:
                    detail = event.content if event.status != "ok" else ""
                    owner.tool_lines[event.id].set_state(event.status, duration=event.duration, detail=detail)
            case ResponseFinished():
                view = self._views.get(event.message_id)
                if isinstance(view, AssistantMessage):
                    view.finish()
            case RequestRetrying():
                view = self._views.get(event.message_id)
                if isinstance(view, AssistantMessage):
                    view.show_retrying(event.notice)
            case TurnFailed():
                self._remove_welcome()
                self.mount(ErrorMessage(event.kind, event.message))
            case TurnEnded():
                self._settle_turn()
            case MessagesRemoved() | BranchSwitched():
                pass  # the queue's: `drain` awaits `redraw_below` (log_branches.py)
            case SendRefused():
                self._remove_welcome()
                self.mount(ErrorMessage("config", event.reason))
                self.anchor()
            case ConversationOpened() | ConversationChanged() | TurnStarted() | TurnClosed():
                pass
            case _:
                assert_never(event)

    def _message_added(self, message: Message) -> None:
        tree_of(self.conversation)  # a new sibling is counted in its marker
        if message.role == "assistant":
            view = self.add_message(message)
            if self._turn is None:
                self._turn = _Turn(views=[])
            if isinstance(view, AssistantMessage):
                self._turn.views.append(view)
        elif message.role == "user" and message.id not in self._views:
            self.add_message(message)
            self.anchor()  # the user's own message: follow the reply to come
        elif message.role == "system":
            self.add_message(message)
            self.anchor()

    def _settle_turn(self) -> None:
        """Finish every reply of the turn and bring tool lines in line with the conversation
        (a stopped turn answers its pending calls without events)."""
        turn, self._turn = self._turn, None
        results = tool_results(self.conversation.messages)
        for view in turn.views if turn else []:
            view.finish()
            view.sync_tools(results.get(view.message.id, {}))
        self.prune()

    async def wait_settled(self) -> None:
        """Wait until every reply widget finished its final render (tests, benchmark)."""
        for view in list(self._views.values()):
            if isinstance(view, AssistantMessage):
                await view.wait_finished()

    # --- for the base class (navigation) ----------------------------------------------------

    def has_older(self) -> bool:
        return self._older is not None
