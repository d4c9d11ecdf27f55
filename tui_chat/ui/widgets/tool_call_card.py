"""One tool call in the sidebar: name, arguments as they stream in, status, duration, result.

A card is a small state machine driven by `ToolSidebar`:

    pending (arguments streaming, then complete) -> running -> ok | error | refused
                                    \\-> stopped (the turn ended before a result came)

Each update touches only the one `Static` it concerns, and argument deltas are time-gated, so a
call whose arguments arrive as thousands of fragments costs a bounded number of repaints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from tui_chat.ui.widgets.text import ELLIPSIS, first_line, visible_literal
from tui_chat.ui.widgets.tool_fold import Fold
from tui_chat.ui.widgets.tool_format import Shown, format_duration, show_text, streaming_tail

CardStatus = Literal["pending", "running", "ok", "error", "refused", "stopped"]
Clock = Callable[[], float]

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
GLYPHS: dict[CardStatus, str] = {
    "pending": "◌",
    "running": SPINNER_FRAMES[0],
    "ok": "✓",
    "error": "✗",
    "refused": "⊘",
    "stopped": "■",
}


def _title(content: Content) -> str:
    """Collapsible titles are typed `str` but accept Content; a `str` would be parsed as markup,
    and tool output must never be."""
    return cast(str, content)


STATUS_STYLES: dict[CardStatus, str] = {
    "pending": "$foreground-muted",
    "running": "$tool-running",
    "ok": "$tool-ok",
    "error": "$tool-error",
    "refused": "$tool-refused",
    "stopped": "$foreground-muted",
}


class HeaderRow(Widget):
    """One line: `left` cut with an ellipsis to leave room for `right`, which is right-aligned.

    Rendered from the widget's width at paint time, so changing either side only repaints this
    line (no layout pass), which is what a spinner ticking ten times a second wants.
    """

    DEFAULT_CSS = """
    HeaderRow {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._left = Content()
        self._right = Content()

    @property
    def text(self) -> str:
        return f"{self._left.plain} {self._right.plain}"

    def set(self, left: Content, right: Content) -> None:
        if left is self._left and right is self._right:
            return
        self._left, self._right = left, right
        self.refresh()

    def render(self) -> Content:
        width = self.size.width
        if width <= 0:
            return Content()
        right = self._right.truncate(width)
        room = width - right.cell_length - (1 if right.cell_length else 0)
        left = self._left.truncate(max(room, 0), ellipsis=True)
        gap = max(width - left.cell_length - right.cell_length, 0)
        return Content.assemble(left, " " * gap, right)


class ToolCallCard(Vertical):
    """A tool call: a header row (status glyph, name, status and duration), the arguments, and
    once it has one, the result in a `Fold` (a flat `Collapsible`, its body built on first unfold)."""

    DEFAULT_CSS = """
    ToolCallCard {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1 0 1;
        background: $boost;
        border-left: outer $foreground-disabled;

        &.-running { border-left: outer $tool-running; }
        &.-ok { border-left: outer $tool-ok; }
        &.-error { border-left: outer $tool-error; }
        &.-refused { border-left: outer $tool-refused; }
        &.-stopped { border-left: outer $foreground-muted; }

        .tool-card-args { color: $text-muted; padding-left: 2; }
        .tool-card-args.-complete { color: $text; }
        .tool-card-note { color: $text-warning; padding-left: 2; text-style: italic; }

        Collapsible {
            background: transparent;
            border-top: none;
            padding: 0;
            margin: 0;
            &:focus-within { background-tint: $foreground 0%; }
        }
        Collapsible > .fold-body { padding: 0 0 0 2; }
        CollapsibleTitle {
            padding: 0;
            width: 1fr;
            text-wrap: nowrap;
            text-overflow: ellipsis;
            color: $text-muted;
        }
        .tool-card-result-body { width: 1fr; }
        &.-error .tool-card-result-body { color: $text-error; }
        &.-refused .tool-card-result-body { color: $text-muted; }
    }
    """

    # Argument display while streaming: at most one repaint per interval, only the tail shown.
    ARGUMENTS_REFRESH_INTERVAL = 0.05
    STREAM_TAIL_CHARS = 400
    STREAM_TAIL_LINES = 8
    # Complete arguments: this many lines are shown; longer ones fold into "all N lines".
    ARGUMENTS_PREVIEW_LINES = 12
    # A result longer than this starts collapsed (its first line stays visible in the title).
    RESULT_SHORT_LINES = 4
    RESULT_SHORT_CHARS = 240
    MAX_SHOWN_CHARS = 20_000
    SPINNER_INTERVAL = 0.1

    def __init__(self, call_id: str, name: str, *, clock: Clock = time.monotonic) -> None:
        super().__init__(classes="-pending")
        self.call_id = call_id
        self.tool_name = name
        self.server: str | None = None  # the MCP server that runs it, shown beside the name
        self._clock = clock
        self._status: CardStatus = "pending"
        self._argument_parts: list[str] = []
        self._arguments_complete = False
        self._started_at: float | None = None
        self._duration: float | None = None
        self._result: str | None = None
        self._last_arguments_paint = float("-inf")
        self._arguments_timer: Timer | None = None
        self._arguments_dirty = False
        self._spinner: Timer | None = None
        self.argument_paints = 0
        """How many times the arguments were repainted (the time gate keeps this small)."""

        self._header = HeaderRow(classes="tool-card-header")
        self._name_content = visible_literal(name, "bold")
        self._arguments = Static(visible_literal(""), classes="tool-card-args")
        self._arguments.display = False
        self._note: Static | None = None  # "arguments are not valid JSON", only when needed
        self._full_arguments: Fold | None = None
        self._result_box: Fold | None = None
        self._result_content: Content = Content()  # the result's body (built on first unfold)
        self._result_shown: Shown | None = None
        self._composed = False
        self._refresh_header()

    def set_server(self, server: str | None) -> None:
        """Name the MCP server the call goes to beside the tool's name."""
        if server == self.server:
            return
        self.server = server
        name = visible_literal(self.tool_name, "bold")
        self._name_content = (
            Content.assemble(name, (" · ", "$foreground-muted"), visible_literal(server)) if server else name
        )
        self._refresh_header()

    # ------------------------------------------------------------------ reading state
    @property
    def status(self) -> CardStatus:
        return self._status

    @property
    def arguments(self) -> str:
        """The arguments received so far (raw, as the model sent them)."""
        if len(self._argument_parts) > 1:
            self._argument_parts[:] = ["".join(self._argument_parts)]
        return self._argument_parts[0] if self._argument_parts else ""

    @property
    def arguments_complete(self) -> bool:
        return self._arguments_complete

    @property
    def duration(self) -> float | None:
        return self._duration

    @property
    def result(self) -> str | None:
        return self._result

    @property
    def result_collapsible(self) -> Collapsible | None:
        return self._result_box

    # ------------------------------------------------------------------ composing
    def compose(self) -> ComposeResult:
        self._composed = True
        yield self._header
        yield self._arguments
        if self._note is not None:
            yield self._note
        if self._full_arguments is not None:
            yield self._full_arguments
        if self._result_box is not None:
            yield self._result_box

    def on_mount(self) -> None:
        if self._arguments_dirty:
            self._paint_streaming_arguments()
        if self._status == "running":
            self._start_spinner()

    def on_unmount(self) -> None:
        self._stop_spinner()
        if self._arguments_timer is not None:
            self._arguments_timer.stop()
            self._arguments_timer = None

    def _add(self, widget: Widget) -> None:
        """Add a child now if composed, else let compose() pick it up."""
        if self._composed:
            self.mount(widget)

    # ------------------------------------------------------------------ updates
    def append_arguments(self, delta: str) -> None:
        """A fragment of the arguments arrived. Repaints at most once per interval."""
        if not delta or self._arguments_complete:
            return
        self._argument_parts.append(delta)
        if self._arguments_timer is not None:
            return  # a trailing repaint is already scheduled
        if not self.is_mounted:
            self._arguments_dirty = True  # painted once on mount
            return
        wait = self._last_arguments_paint + self.ARGUMENTS_REFRESH_INTERVAL - self._clock()
        if wait <= 0:
            self._paint_streaming_arguments()
        else:
            self._arguments_timer = self.set_timer(wait, self._paint_streaming_arguments)

    def _paint_streaming_arguments(self) -> None:
        self._arguments_timer = None
        self._arguments_dirty = False
        if self._arguments_complete:
            return
        self._last_arguments_paint = self._clock()
        self.argument_paints += 1
        self._arguments.content = streaming_tail(
            self.arguments, max_chars=self.STREAM_TAIL_CHARS, max_lines=self.STREAM_TAIL_LINES
        )
        self._arguments.display = True

    def complete_arguments(self, arguments: str) -> None:
        """The call is fully assembled: show its arguments pretty-printed if they are JSON."""
        if self._arguments_timer is not None:
            self._arguments_timer.stop()
            self._arguments_timer = None
        self._argument_parts[:] = [arguments]
        self._arguments_complete = True
        self._arguments_dirty = False
        self.argument_paints += 1
        self._arguments.add_class("-complete")
        if not arguments.strip():
            self._arguments.content = visible_literal("no arguments", "$foreground-muted italic")
            self._arguments.display = True
            self._refresh_header()
            return
        preview = show_text(arguments, max_lines=self.ARGUMENTS_PREVIEW_LINES, max_chars=self.MAX_SHOWN_CHARS)
        self._arguments.content = preview.content
        self._arguments.display = True
        if not preview.is_json and self._note is None:
            self._note = Static("arguments are not valid JSON", classes="tool-card-note", markup=False)
            if self._composed:
                self.mount(self._note, after=self._arguments)
        if preview.truncated and self._full_arguments is None:
            full = show_text(arguments, max_chars=self.MAX_SHOWN_CHARS)
            self._full_arguments = Fold(
                lambda: Static(full.content, classes="tool-card-full-args"),
                title=_title(visible_literal(f"all {full.lines} lines of arguments")),
                collapsed=True,
                classes="tool-card-full-args-box",
            )
            self._add(self._full_arguments)
        self._refresh_header()

    def start_running(self) -> None:
        """The call was allowed and runs now."""
        if self._status in ("ok", "error", "refused", "stopped"):
            return
        self._started_at = self._clock()
        self._set_status("running")
        if self.is_mounted:
            self._start_spinner()

    def finish(
        self, status: Literal["ok", "error", "refused", "stopped"], content: str, duration: float | None
    ) -> None:
        """The result is in."""
        self._stop_spinner()
        self._duration = duration
        self._result = content
        self._set_status(status)
        self._show_result(status, content)

    def stop(self) -> None:
        """The turn ended without a result for this call (stopped, failed, or never run).
        Whatever arguments arrived are shown as final."""
        if self._status in ("pending", "running"):
            self._stop_spinner()
            if not self._arguments_complete:
                self.complete_arguments(self.arguments)
            self._set_status("stopped")

    # ------------------------------------------------------------------ painting
    def _set_status(self, status: CardStatus) -> None:
        self.remove_class(f"-{self._status}")
        self._status = status
        self.add_class(f"-{status}")
        self._refresh_header()

    def _refresh_header(self) -> None:
        status = self._status
        style = STATUS_STYLES[status]
        if status == "running":
            elapsed = max(0.0, self._clock() - (self._started_at or self._clock()))
            frame = SPINNER_FRAMES[int(elapsed / self.SPINNER_INTERVAL) % len(SPINNER_FRAMES)]
            animate = not self.is_attached or self.app.animation_level != "none"
            glyph = frame if animate else "●"
            label = f"running {format_duration(elapsed)}"
        else:
            glyph = GLYPHS[status]
            if status == "pending":
                label = "pending" if self._arguments_complete else f"streaming{ELLIPSIS}"
            elif status in ("refused", "stopped") or self._duration is None:
                label = status
            else:
                label = f"{status} {format_duration(self._duration)}"
        label_style = "$foreground-muted" if status == "ok" else style
        self._header.set(
            Content.assemble((f"{glyph} ", style), self._name_content),
            Content.styled(label, label_style),
        )

    def _start_spinner(self) -> None:
        if self._spinner is None:
            self._spinner = self.set_interval(self.SPINNER_INTERVAL, self._refresh_header)

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _show_result(self, status: str, content: str) -> None:
        shown = show_text(content, max_chars=self.MAX_SHOWN_CHARS, json_containers_only=True)
        long = shown.lines > self.RESULT_SHORT_LINES or len(content) > self.RESULT_SHORT_CHARS
        self._result_shown = shown
        body = shown.content if content else visible_literal("(empty)", "$foreground-muted italic")
        self._result_content = body
        if self._result_box is None:
            self._result_box = Fold(
                lambda: Static(self._result_content, classes="tool-card-result-body"),
                title=_title(self._result_title(collapsed=long)),
                collapsed=long,
                classes="tool-card-result",
            )
            self._add(self._result_box)
        else:
            if isinstance(self._result_box.body, Static):
                self._result_box.body.content = body
            self._result_box.collapsed = long
            self._result_box.title = _title(self._result_title(collapsed=long))

    def _result_title(self, *, collapsed: bool) -> Content:
        label = {"ok": "result", "error": "error", "refused": "refused", "stopped": "stopped"}.get(
            self._status, "result"
        )
        content = self._result or ""
        if collapsed:
            first = first_line(content, 120)
            if first:
                return Content.assemble((f"{label}: ", "bold"), visible_literal(first))
            return visible_literal(label, "bold")
        shown = self._result_shown
        lines = shown.lines if shown else 0
        size = f"{lines} line{'s' if lines != 1 else ''}" if content else "empty"
        return Content.assemble((label, "bold"), (f" · {size}", "$foreground-muted"))

    @on(Collapsible.Toggled, ".tool-card-result")
    def _retitle_result(self, event: Collapsible.Toggled) -> None:
        event.stop()
        if self._result_box is not None:
            self._result_box.title = _title(self._result_title(collapsed=self._result_box.collapsed))

    @on(Collapsible.Toggled, ".tool-card-full-args-box")
    def _swap_argument_preview(self, event: Collapsible.Toggled) -> None:
        event.stop()
        if self._full_arguments is not None:
            self._arguments.display = self._full_arguments.collapsed
