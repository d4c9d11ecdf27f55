"""What the terminal shows while a reply streams: every update the app writes, applied to a
model of the terminal cell by cell, adds up to exactly what a full redraw shows (the main
screen's compositor renders only the rows an update repaints, the reply repaints only the lines
that changed)."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tests.fakeserver import long_markdown
from tests.waiting import wait_for
from tui_chat.ui.compositor import ChatScreenApp, RowCroppedCompositor
from tui_chat.ui.widgets.reply_body import ReplyBody

Cell = tuple[str, Any, Any]


class Terminal:
    """A terminal's cells: a character and its colours."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.rows: list[list[Cell]] = [[(" ", None, None)] * width for _ in range(height)]

    def paint(self, x: int, y: int, strip: Strip) -> None:
        for segment in strip:
            style = segment.style or Style()
            for char in segment.text:
                if 0 <= x < self.width:
                    self.rows[y][x] = (char, style.color, style.bgcolor)
                x += cell_len(char)

    def apply(self, update: object) -> None:
        if isinstance(update, LayoutUpdate):
            for y, line in enumerate(update.strips, update.region.y):
                x = update.region.x
                for strip in line:
                    self.paint(x, y, strip)
                    x += strip.cell_length
        elif isinstance(update, ChopsUpdate):  # as ChopsUpdate.render_segments writes it
            for y, x1, x2 in update.spans:
                for end, (x, chop) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
                    if chop is None or x > x2 or end <= x1:
                        continue
                    self.paint(x, y, chop.crop(0, min(end, x2) - x))


class StreamApp(ChatScreenApp):
    CSS = "#top, #bottom { dock: top; height: 1; } #bottom { dock: bottom; }"

    def __init__(self) -> None:
        super().__init__()
        self.body = ReplyBody(None, streaming=True)
        self.terminal = Terminal(100, 30)
        self.updates = 0

    def compose(self) -> ComposeResult:
        yield Static("status line", id="top")
        with VerticalScroll():
            yield Static("You: a long reply, please")
            yield self.body
        yield Static("footer keys", id="bottom")

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        self.updates += 1
        self.terminal.apply(renderable)

    def full_redraw(self) -> list[list[Cell]]:
        fresh = Terminal(*self.size)
        for y, strip in enumerate(self.screen._compositor.render_strips()):
            fresh.paint(0, y, strip)
        return fresh.rows


async def test_the_terminal_shows_what_a_full_redraw_shows_at_every_streamed_update() -> None:
    app = StreamApp()
    text = long_markdown(700)
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen._compositor, RowCroppedCompositor)
        app.query_one(VerticalScroll).anchor()  # follow the reply as it grows past the screen
        await pilot.pause()
        for start in range(0, len(text), 37):
            app.body.feed(text[start : start + 37])
            await app.body.flush()
            await pilot.pause()
            await pilot.pause()  # and what that update made dirty (the scrollbar)
            assert app.terminal.rows == app.full_redraw(), f"after {start + 37} characters"
        assert app.updates > len(text) // 37  # the screen was updated as it streamed
        assert app.query_one(VerticalScroll).max_scroll_y > 0  # and the reply outgrew it


class Line(Widget):
    """A one-line widget that repaints without a layout."""

    DEFAULT_CSS = "Line { height: 1; } #top { dock: top; } #bottom { dock: bottom; }"

    def __init__(self, text: str, id: str) -> None:
        super().__init__(id=id)
        self.text = text

    def render(self) -> str:
        return self.text


class FarApartApp(StreamApp):
    def compose(self) -> ComposeResult:
        yield Line("status line", "top")
        with VerticalScroll():
            yield Static("You: a long reply, please")
            yield self.body
        yield Line("footer keys", "bottom")


async def test_an_update_of_rows_far_apart_renders_only_those_rows_and_shows_them_right() -> None:
    app = FarApartApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.body.feed("The first line of a reply.")
        await app.body.flush()
        await wait_for(pilot, lambda: "first line" in "".join(c[0] for row in app.terminal.rows for c in row))
        await pilot.pause()
        asked: list[Region] = []
        scroll = app.query_one(VerticalScroll)
        render_lines = scroll.render_lines

        def spy(crop: Region) -> list[Strip]:
            asked.append(crop)
            return render_lines(crop)

        scroll.render_lines = spy  # type: ignore[method-assign]
        # One update: the top row and the bottom row, the log between them unchanged.
        for widget_id, text in (("#top", "status line, changed"), ("#bottom", "footer keys, changed")):
            line = app.query_one(widget_id, Line)
            line.text = text
            line.refresh()
        await wait_for(pilot, lambda: "footer keys, changed" in "".join(c[0] for c in app.terminal.rows[29]))
        assert asked == []  # the log between them was not rendered
        assert app.terminal.rows == app.full_redraw()
        assert "status line, changed" in "".join(cell[0] for cell in app.terminal.rows[0])
