"""The Markdown body of one reply: lines rendered by Rich, cached, drawn with Textual's Line API.

Pipeline while a reply streams:

    feed(text)   -> pending buffer (cheap, per token)
    timer tick   -> every FLUSH_INTERVAL: append what is pending; top-level blocks that can no
                    longer change ("sealed": a later block has begun on a complete line) are
                    rendered once; only the growing last block is rendered again
    finish(text) -> the final text split into blocks afresh (equal blocks come from the cache)

Why lines, not widgets: Textual's Markdown widget makes every block a widget with styles and
layout, and each update laid out the growing part again (30-45 ms an update, measured). Here a
reply is one widget whose lines are `Strip`s: a sealed block is rendered once at the current
width (again only on a resize or a theme change), and Textual asks `render_line` only for the
lines on screen, so an update costs the tail block's render however long the reply grew.
"""

from __future__ import annotations

import itertools
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget

from tui_chat.ui.widgets.markdown_lines import MarkdownRenderer, Palette, block_starts, split_blocks

FLUSH_INTERVAL = 0.1
"""Seconds between two updates of a streaming reply (the time gate): 10 screen updates a
second, and text is on screen at most this long after it arrived."""

HEADROOM = 0.4
"""Share of the screen's height a streaming reply keeps blank below its text (3 to
`HEADROOM_MAX` lines). Growing into it repaints the changed lines only; a change of height means
a new layout, and every line of the log moves up, so the whole log is repainted (five to ten
times the cost, plus a frame for the scrollbar): the height grows in steps of 40 % of the
screen ("jump scroll") instead of on every line. A quarter screen (10 lines at 40 rows) made
that 2.5 full repaints a second at 200 tok/s in a 68-column log, about a third of the UI's CPU;
16 lines make it 1.6 (benchmarks/README.md)."""

HEADROOM_MAX = 16

BLOCKS_PER_SEAL_MESSAGE = 16
"""Sealed blocks between two `BlocksSealed` messages (the app freezes long-lived objects out of
the garbage collector then)."""

_renderers: dict[tuple[str, int], MarkdownRenderer] = {}


def renderer_for(app: object) -> MarkdownRenderer:
    """The renderer for the app's current theme (one per theme, shared by every reply)."""
    theme: Theme = app.current_theme  # type: ignore[attr-defined]
    key = (theme.name, id(theme))
    renderer = _renderers.get(key)
    if renderer is None:
        variables: dict[str, str] = app.get_css_variables()  # type: ignore[attr-defined]
        renderer = _renderers[key] = MarkdownRenderer(Palette.from_variables(variables))
    return renderer


def _changed_span(before: list[Strip], after: list[Strip]) -> tuple[int, int] | None:
    """The lines `[first, end)` that differ (by object) between two renders, or None."""
    common = min(len(before), len(after))
    first = 0
    while first < common and before[first] is after[first]:
        first += 1
    end = max(len(before), len(after))
    if first == end:
        return None
    if len(before) == len(after):
        while end > first and before[end - 1] is after[end - 1]:
            end -= 1
    return first, end


class ReplyBody(Widget):
    """The reply's Markdown as cached lines; streams with bounded work per update."""

    class BlocksSealed(Message):
        """More blocks were sealed while streaming (long-lived objects: the GC may freeze them)."""

    DEFAULT_CSS = """
    ReplyBody {
        height: auto;
    }
    """

    updates: ClassVar[int] = 0
    """Streaming updates shown, all replies (for the benchmark)."""

    def __init__(self, text: str | None, *, streaming: bool, classes: str = "reply-body") -> None:
        super().__init__(classes=classes)
        self._text = text or ""
        self._pending: list[str] = []
        self._streaming = streaming
        self._sealed: list[str] = [] if streaming else split_blocks(self._text)
        self._sealed_end = 0 if streaming else len(self._text)  # where the unsealed tail begins
        self._unreported = 0  # blocks sealed since the last BlocksSealed
        self._timer: Timer | None = None
        # Render caches, valid for one (width, renderer):
        self._cache_key: tuple[int, MarkdownRenderer] | None = None
        self._block_lines: dict[str, list[Strip]] = {}
        self._sealed_lines: list[Strip] = []
        self._sealed_shown = 0  # sealed blocks already in _sealed_lines
        self._tail: tuple[str, list[Strip]] = ("", [])
        self._lines: list[Strip] = []
        self._lines_for: tuple[object, ...] | None = None
        # What render_line hands out: a line on the widget's background, at the widget's width.
        self._shown: dict[int, tuple[Strip, Strip]] = {}  # y -> (rendered line, line shown)
        self._shown_for: tuple[int, Style] | None = None
        self._base_style: Style | None = None
        self._height = 0  # lines the layout gave this widget (while streaming: with headroom)
        self._height_width = 0
        self.display = bool(self._text)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._streaming:
            self._timer = self.set_interval(FLUSH_INTERVAL, self._tick, name="reply-update")

    def _theme_changed(self, _: Theme) -> None:
        self._cache_key = None  # every line again, in the new theme's colours
        self.refresh(layout=True)

    @property
    def source(self) -> str:
        """The Markdown shown (text fed but not yet shown excluded)."""
        return self._text

    @property
    def sealed_blocks(self) -> int:
        return len(self._sealed)

    # --- streaming ----------------------------------------------------------------------------

    def feed(self, text: str) -> None:
        self._pending.append(text)

    async def flush(self) -> None:
        """Show everything fed so far now, bypassing the time gate (tests, benchmarks)."""
        self._update()

    def _tick(self) -> None:
        if self._pending:
            self._update()

    def _update(self) -> None:
        fragment = "".join(self._pending)
        self._pending.clear()
        if not fragment:
            return
        self._text += fragment
        self._seal()
        ReplyBody.updates += 1
        width = self.size.width
        if not self.display or not width:
            self.display = True
            self.refresh(layout=True)
            return
        before = self._lines
        lines = self.lines(width)
        if self._height_width != width:
            self.refresh(layout=True)
            return
        # Repaint only the lines that changed (an unchanged line keeps its Strip object, see
        # `lines`), usually the last line or two of the growing block; past the height, lay out
        # too (the lines drawn so far stay valid, see `_size_updated`).
        changed = _changed_span(before, lines)
        dirty = [] if changed is None else [Region(0, changed[0], width, changed[1] - changed[0])]
        if len(lines) > self._height:
            self.refresh(*dirty, layout=True)
        elif dirty:
            self.refresh(*dirty)

    def _seal(self) -> None:
        """Seal the blocks before the last one that begins on a complete line."""
        complete = self._text.rfind("\n", self._sealed_end) + 1
        if complete <= self._sealed_end:
            return
        region = self._text[self._sealed_end : complete]
        starts = block_starts(region)
        if len(starts) < 2:
            return
        lines = region.splitlines(keepends=True)
        cuts = [0, *starts[1:]]
        for a, b in itertools.pairwise(cuts):
            block = "".join(lines[a:b])
            self._sealed.append(block)
            self._sealed_end += len(block)
        self._unreported += len(cuts) - 1
        if self._unreported >= BLOCKS_PER_SEAL_MESSAGE:
            self._unreported = 0
            self.post_message(self.BlocksSealed())

    async def finish(self, text: str) -> None:
        """Stop streaming and show the final `text` (the whole reply), split into blocks afresh
        so that it renders exactly as a reopened session would."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._streaming = False
        self._pending.clear()
        self._text = text
        self._sealed = split_blocks(text)
        self._sealed_end = len(text)
        self._sealed_lines = []
        self._sealed_shown = 0
        self._lines_for = None
        self.display = bool(text)
        self.refresh(layout=True)

    # --- lines -------------------------------------------------------------------------------

    def lines(self, width: int) -> list[Strip]:
        """Every line of the reply at `width` (rendered blocks come from the cache)."""
        renderer = renderer_for(self.app)
        key = (width, renderer)
        if key != self._cache_key:
            self._cache_key = key
            self._block_lines = {}
            self._sealed_lines = []
            self._sealed_shown = 0
            self._tail = ("", [])
            self._lines_for = None
        state = (len(self._sealed), len(self._text))
        if self._lines_for == state:
            return self._lines
        before = self._lines
        kept = len(self._sealed_lines)  # lines before this are the same objects as last time
        for block in self._sealed[self._sealed_shown :]:
            rendered = self._block_lines.get(block)
            if rendered is None:
                rendered = self._block_lines[block] = renderer.render(block, width)
            if rendered:
                if self._sealed_lines:
                    self._sealed_lines.append(Strip([]))  # one blank line between blocks
                self._sealed_lines.extend(rendered)
            self._sealed_shown += 1
        tail = self._text[self._sealed_end :]
        if tail != self._tail[0]:
            self._tail = (tail, renderer.render(tail, width) if tail.strip() else [])
        tail_lines = self._tail[1]
        if tail_lines and self._sealed_lines:
            self._lines = [*self._sealed_lines, Strip([]), *tail_lines]
        else:
            self._lines = self._sealed_lines + tail_lines
        self._keep_equal_lines(before, kept)
        self._lines_for = state
        return self._lines

    def _keep_equal_lines(self, before: list[Strip], start: int) -> None:
        """Where a line after `start` renders as it did before, keep the earlier Strip object:
        the growing block is rendered afresh on every update, but most of its lines are the
        same, and a line kept is neither repainted nor styled again (`render_line`'s cache)."""
        lines = self._lines
        sealed = self._sealed_lines
        tail = self._tail[1]
        tail_start = len(lines) - len(tail)
        for y in range(start, min(len(before), len(lines))):
            old = before[y]
            if lines[y] is not old and lines[y] == old:
                lines[y] = old
                if y < len(sealed):
                    sealed[y] = old
                elif y >= tail_start:
                    tail[y - tail_start] = old

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual lays the screen out a second time whenever a widget's virtual size changes;
        # this widget's lines were placed by the layout that gave it the size: once is enough.
        if size.width == self._size.width and size.height > self._size.height and not any(self.styles.gutter):
            # Taller at the same width (a streaming reply growing into new headroom): line y is
            # still line y, so keep every line drawn so far; Textual would forget them all and
            # draw the whole visible reply again. `_update` marked the lines that changed.
            self._size = size
            super()._size_updated(size, virtual_size, container_size, layout=False)
            return True
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        count = len(self.lines(width))
        if not self._streaming:
            self._height = count
        elif count > self._height or width != self._height_width:
            headroom = min(HEADROOM_MAX, max(3, int(self.screen.size.height * HEADROOM)))
            self._height = count + headroom
        self._height_width = width
        return self._height

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._base_style is None:
            self._base_style = self.rich_style
        base = self._base_style
        lines = self.lines(width)
        if y >= len(lines):
            return Strip.blank(width, base)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = self._highlight(lines[y], *span)
            return strip.apply_style(base).crop_extend(0, width, base).apply_offsets(0, y)
        if self._shown_for != (width, base):
            self._shown = {}
            self._shown_for = (width, base)
        line = lines[y]
        cached = self._shown.get(y)
        if cached is not None and cached[0] is line:  # the same rendered line as last time
            return cached[1]
        shown = line.apply_style(base).crop_extend(0, width, base).apply_offsets(0, y)
        self._shown[y] = (line, shown)
        return shown

    def _highlight(self, strip: Strip, start: int, end: int) -> Strip:
        if end == -1:
            end = strip.cell_length
        style = self.screen.get_component_rich_style("screen--selection")
        before, selected, after = strip.divide([start, end, strip.cell_length])
        marked = Strip(list(Segment.apply_style(list(selected), post_style=style)))
        return Strip.join([before, marked, after])

    # --- selection and links ------------------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(strip.text.rstrip() for strip in self.lines(self.size.width))
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def on_click(self, event: Click) -> None:
        # Links from a model are untrusted: shown, and opened only on an explicit click.
        link = event.style.link if event.style else None
        if link:
            self.app.open_url(link)
