"""One widget per message in the chat log: user, assistant (streamed Markdown), error, welcome.

Widgets render the `Message` objects of the conversation (the source of truth); they never
talk HTTP or SQL. The assistant widget feeds its reply body (reply_body.py: Markdown as cached lines, updated
on a time gate while it streams, settled once at the end).
"""

from __future__ import annotations

import asyncio
import time

from textual.app import ComposeResult
from textual.content import Content
from textual.events import Click
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from tui_chat.engine.conversation import Message, ToolCall
from tui_chat.engine.conversation_tree import Branching
from tui_chat.ui.widgets.error_message import DEFAULT_KEYS as _DEFAULT_KEYS
from tui_chat.ui.widgets.error_message import ErrorMessage
from tui_chat.ui.widgets.reply_body import ReplyBody
from tui_chat.ui.widgets.reply_stats import ReplyStats
from tui_chat.ui.widgets.sent_attachments import SentAttachments
from tui_chat.ui.widgets.text import clean, literal
from tui_chat.ui.widgets.tool_line import ToolCallLine

THINKING_INTERVAL = 0.25
"""Seconds between two updates of the thinking text while it streams."""

THINKING_TAIL = 2000
"""Characters of a reasoning model's thinking shown while it streams (the full text at the end)."""


def clock(timestamp: float) -> str:
    return time.strftime("%H:%M", time.localtime(timestamp))


def branch_marker(message_id: str, place: Branching | None) -> list[tuple[str, str] | str]:
    """`‹ 2/3 ›` after a header when the message has other versions; a click on an arrow
    switches to the sibling that way (the same action as the keys in the log)."""
    if place is None or place.count < 2:
        return []
    back = "$text-accent bold" if place.index > 1 else "dim"
    on = "$text-accent bold" if place.index < place.count else "dim"
    return [
        "  ",
        # Textual's action parser reads no negative numbers: the direction is a word.
        ("‹", f"{back} @click=app.branch_step('{message_id}','prev')"),
        (f" {place.index}/{place.count} ", "dim"),
        ("›", f"{on} @click=app.branch_step('{message_id}','next')"),
    ]


class MessageView(Widget):
    """Base of every widget that stands for one conversation message."""

    class Selected(TextualMessage):
        """The user clicked this message."""

        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, message: Message, *, branching: Branching | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.message = message
        self.branching = branching  # where it sits among its siblings (None: it has none)
        self.code_index = -1  # the code block "copy code" copied last

    @property
    def copy_text(self) -> str:
        return self.message.content or ""

    def on_click(self, event: Click) -> None:
        self.post_message(self.Selected(self))


class UserMessage(MessageView):
    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("You", "bold"),
                *branch_marker(self.message.id, self.branching),  # first: narrow windows cut the end
                ("  " + clock(self.message.created), "dim"),
            ),
            classes="message-header",
        )
        yield Static(literal(self.message.content), classes="message-body", markup=False)
        if self.message.attachments:
            yield SentAttachments(self.message.attachments)


class AssistantMessage(MessageView):
    """A reply: header, streamed Markdown body, inline tool calls, and a status line
    (waiting / stopped / cut off / failed).

    Only the parts a reply has are widgets (every widget costs in each layout of the screen):
    the thinking fold exists once there is thinking, the status line once there is a status,
    the header not at all under a continuation (the CSS hides it there)."""

    def __init__(
        self,
        message: Message,
        *,
        results: dict[str, Message] | None = None,
        continuation: bool = False,
        branching: Branching | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(message, branching=branching, **kwargs)
        self._results = results or {}
        self._finishing: asyncio.Task[None] | None = None
        self._got_output = bool(message.content or message.tool_calls or message.reasoning)
        self.tool_lines: dict[str, ToolCallLine] = {}
        self._composed = False
        # A reasoning model's thinking: expanded while it streams, folded once the answer starts
        # (and on a reopened session). Plain text, never Markdown or markup.
        self._reasoning = clean(message.reasoning)
        self._reasoning_shown = len(self._reasoning)
        self._reasoning_timer: Timer | None = None
        self._thinking: Collapsible | None = None
        self._thinking_text: Static | None = None
        self._continuation = continuation
        self._header_line: Static | None = None
        self.body = ReplyBody(clean(message.content), streaming=message.status == "streaming")
        self._status_line: Static | None = None
        self.stats = ReplyStats()  # tokens and speed, once finished (reply_stats.py)
        self._retrying = ""  # "rate limited, retrying in 3 s (1 of 2)" while the request waits
        self.set_class(continuation, "-continuation")
        self._update_status()

    @property
    def thinking(self) -> Collapsible:
        """The thinking fold (made on first use; mounted once there is thinking to show)."""
        if self._thinking is None:
            self._thinking_text = Static(Content(self._reasoning), classes="thinking-text", markup=False)
            self._thinking = Collapsible(
                self._thinking_text,
                title="Thinking",
                collapsed=self.message.status != "streaming" or bool(self.message.content),
                classes="thinking",
            )
            self._thinking.display = bool(self._reasoning)
            if self._composed:
                self.mount(self._thinking, before=self.body)
        return self._thinking

    @property
    def thinking_text(self) -> Static:
        self.thinking  # noqa: B018 (makes it)
        assert self._thinking_text is not None
        return self._thinking_text

    @property
    def status_line(self) -> Static:
        """The status line under the reply (made on first use)."""
        if self._status_line is None:
            self._status_line = Static(classes="message-status", markup=False)
            if self._composed:
                self.mount(self._status_line, before=self.stats)
        return self._status_line

    @property
    def streaming(self) -> bool:
        return self.message.status == "streaming" and self._finishing is None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # As in ReplyBody: a streaming reply grows its height often, and Textual would lay the
        # whole screen out a second time after each layout that changed it, for nothing.
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def compose(self) -> ComposeResult:
        if not self._continuation:
            self._header_line = Static(self._header(), classes="message-header", markup=False)
            yield self._header_line
        if self._thinking is not None or self._reasoning:
            yield self.thinking
        yield self.body
        for call in self.message.tool_calls:
            if call.id not in self.tool_lines:
                self._make_line(call)
        # Lines added before this ran too (a batch of turn events can reach a new reply
        # before it is mounted), in call order.
        yield from self.tool_lines.values()
        if self._status_line is not None:
            yield self._status_line
        yield self.stats
        self._composed = True

    def on_mount(self) -> None:
        self._update_status()
        if self.message.status != "streaming":  # a reply from a reopened session
            self.stats.show_for(self.message)

    def _header(self) -> Content:
        parts: list[tuple[str, str] | str] = [("Assistant", "bold")]
        parts += branch_marker(self.message.id, self.branching)  # first: narrow windows cut the end
        if self.message.model:
            parts.append(("  " + clean(self.message.model), "dim"))
        parts.append(("  " + clock(self.message.created), "dim"))
        return Content.assemble(*parts)

    def refresh_header(self) -> None:
        if self._header_line is not None:
            self._header_line.update(self._header())

    # --- streaming text ---------------------------------------------------------------------

    @property
    def markdown_source(self) -> str:
        """The Markdown the reply shows (for tests: equals the reply once finished)."""
        return self.body.source

    def feed(self, text: str) -> None:
        """Queue a text delta; the body's time gate renders everything queued at once."""
        if text:
            self.body.feed(clean(text))
            if self._thinking is not None and not self._thinking.collapsed and self.streaming:
                self._thinking.collapsed = True  # the answer started: fold the thinking away
            if not self._got_output:
                self._got_output = True
                self._update_status()

    def feed_reasoning(self, text: str) -> None:
        """Queue thinking text; shown at once, then at most every THINKING_INTERVAL (only the tail)."""
        if not text:
            return
        self._reasoning += clean(text)
        if not self.thinking.display:
            self.thinking.display = True
        if not self._got_output:
            self._got_output = True
            self._update_status()
        if self._reasoning_timer is None:
            self._show_reasoning_tail()
            if self.is_mounted:
                self._reasoning_timer = self.set_timer(THINKING_INTERVAL, self._reasoning_gate)

    def _reasoning_gate(self) -> None:
        self._reasoning_timer = None
        if self._reasoning_shown != len(self._reasoning) and self._finishing is None:
            self._show_reasoning_tail()
            self._reasoning_timer = self.set_timer(THINKING_INTERVAL, self._reasoning_gate)

    def _show_reasoning_tail(self) -> None:
        self._reasoning_shown = len(self._reasoning)
        tail = self._reasoning[-THINKING_TAIL:]
        if len(tail) < len(self._reasoning):
            tail = "…" + tail
        self.thinking_text.update(Content(tail))

    @property
    def thinking_source(self) -> str:
        """The thinking text the reply holds (for tests; shown in full once finished)."""
        return self._reasoning

    def finish(self) -> None:
        """The reply ended (answered, failed, stopped): settle it in a task of its own, so the
        log goes on handling events meanwhile. Safe to call more than once."""
        if self._finishing is None:
            self._finishing = asyncio.create_task(self._finish())
            self._finishing.add_done_callback(self._finish_done)
            self._update_status()

    def _finish_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (error := task.exception()) is not None:
            self.log.error("finishing a reply failed", error)
            self.app.notify(f"Could not render the reply: {error}", severity="error")

    async def wait_finished(self) -> None:
        if self._finishing is not None:
            await self._finishing

    async def _finish(self) -> None:
        if self._reasoning_timer is not None:
            self._reasoning_timer.stop()
            self._reasoning_timer = None
        if self.message.reasoning:
            self._reasoning = clean(self.message.reasoning)
        if self._reasoning:
            self.thinking.display = True
            self.thinking_text.update(Content(self._reasoning))
            self._reasoning_shown = len(self._reasoning)
            if self.message.content:
                self.thinking.collapsed = True
        # One full render of the final text: partial fences and tables settle.
        await self.body.finish(clean(self.message.content))
        self.refresh_header()
        self._update_status()
        self.stats.show_for(self.message)
        self.sync_tools(self._results)

    # --- tool calls ------------------------------------------------------------------------------

    def _make_line(self, call: ToolCall) -> ToolCallLine:
        line = ToolCallLine(call.id, call.name, call.arguments)
        self.tool_lines[call.id] = line
        result = self._results.get(call.id)
        if result is not None:
            self._apply_result(line, result)
        return line

    def _apply_result(self, line: ToolCallLine, result: Message) -> None:
        activity = result.activity
        status = activity.status if activity is not None else "ok"
        duration = activity.duration if activity is not None else None
        detail = (activity.error or "") if activity is not None else ""
        line.set_state(status, duration=duration, detail=detail)

    def add_tool_call(self, call_id: str, name: str) -> ToolCallLine:
        if call_id in self.tool_lines:
            return self.tool_lines[call_id]
        line = ToolCallLine(call_id, name)
        self.tool_lines[call_id] = line
        if self._composed:  # otherwise compose mounts it; below the other lines
            status = self._status_line
            self.mount(line, before=status if status is not None and status.parent is self else self.stats)
        if not self._got_output:
            self._got_output = True
            self._update_status()
        return line

    def sync_tools(self, results: dict[str, Message]) -> None:
        """Bring the tool lines in line with the conversation (after a stop, the engine answers
        pending calls without events)."""
        self._results.update(results)
        for call in self.message.tool_calls:
            line = self.tool_lines.get(call.id) or self.add_tool_call(call.id, call.name)
            if call.arguments and line.arguments != call.arguments:
                line.set_state(line.status, arguments=call.arguments)
            result = self._results.get(call.id)
            if result is not None:
                self._apply_result(line, result)

    # --- status -------------------------------------------------------------------------------

    def show_retrying(self, notice: str) -> None:
        """The request is sent again soon: say why and when, instead of "waiting"."""
        self._retrying = notice
        self._update_status()

    def _key(self, binding_id: str) -> str:
        key_for = getattr(self.app, "key_for", None) if self.is_attached else None
        return (key_for(binding_id) if callable(key_for) else "") or _DEFAULT_KEYS.get(binding_id, "")

    def _update_status(self) -> None:
        message = self.message
        text: Content | None = None
        kind = ""
        if message.status == "streaming" and self._finishing is None:
            if not self._got_output:
                waiting = self._retrying or "waiting for the model"
                text = Content.styled(f"… {waiting} (esc stops)", "italic")
                kind = "-waiting"
        elif message.status == "interrupted" and message.status_detail in (None, "stopped"):
            if self._got_output:
                line = "■ Stopped: the partial reply is kept. {regenerate} regenerates."
            else:
                line = "■ Stopped before the model answered. {regenerate} tries again."
            text = Content.styled(line.format(regenerate=self._key("regenerate")), "italic")
            kind = "-stopped"
        # Cut off (length, content filter): the warning below the reply says so, once.
        elif message.status == "error":
            text = Content.styled("✗ This reply failed part-way (see below).", "italic")
            kind = "-failed"
        # A failed request with nothing received: the error message below says it all.
        received = message.content or message.tool_calls or message.reasoning
        self.display = not (message.status == "error" and not received)
        if text is None and self._status_line is None:
            return  # no status, and never had one: no widget for it
        status = self.status_line
        for cls in ("-waiting", "-stopped", "-cut-off", "-failed"):
            status.set_class(cls == kind, cls)
        status.display = text is not None
        if text is not None:
            status.update(text)


class WelcomeMessage(ReplyBody):
    """Shown while the conversation is empty: how to start, or how to configure (Markdown, drawn
    like a reply)."""

    def __init__(self, markdown: str) -> None:
        super().__init__(markdown, streaming=False, classes="welcome")


class OlderMessages(Static):
    """At the top of the log when older messages are not mounted yet."""

    def __init__(self) -> None:
        super().__init__(classes="older-messages", markup=False)

    def set_count(self, count: int) -> None:
        noun = "message" if count == 1 else "messages"
        self.update(f"↑ {count} earlier {noun}: scroll up (or press home in the log) to load them")


__all__ = [
    "AssistantMessage",
    "ErrorMessage",
    "MessageView",
    "OlderMessages",
    "ToolCallLine",
    "UserMessage",
    "WelcomeMessage",
]
