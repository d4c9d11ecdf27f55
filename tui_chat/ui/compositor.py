"""The main screen's compositor: an update renders only the rows it repaints.

Textual's compositor (textual 8.2, pinned) renders a partial update by asking every widget
whose clip overlaps the update for all of its visible lines, then keeps only the rows being
repainted. While a reply streams, an update repaints a line or two of the reply 10 times a
second (plus the prompt's cursor blinking), yet each one had the screen, the layout containers,
the sidebar, the status bar, the prompt and the footer render every visible row: about a tenth
of the UI's CPU. `RowCroppedCompositor` narrows each widget's clip to the rows of the update, so
a widget outside them is not asked at all, and one inside renders only those rows. The rows it
paints are the same: every row of the update is still rendered in full, front to back.

An update's regions may be far apart (a reply's line and the prompt's cursor row, a line and
the scrollbar): Textual crops to the box around all of them, so every row between was rendered
as well and thrown away. Here only the rows of the regions themselves are rendered, run by run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._compositor import Compositor
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


def row_runs(regions: Iterable[Region], top: int, bottom: int) -> list[tuple[int, int]]:
    """The rows `regions` cover within `[top, bottom)`, as runs `(first row, height)`."""
    rows = sorted({y for region in regions for y in range(max(region.y, top), min(region.bottom, bottom))})
    runs: list[tuple[int, int]] = []
    for y in rows:
        if runs and runs[-1][0] + runs[-1][1] == y:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((y, 1))
    return runs


class RowCroppedCompositor(Compositor):
    _update_rows: list[tuple[int, int]] | None = None  # the runs of rows the update repaints

    def render_partial_update(self) -> Any:
        self._update_rows = row_runs(self._dirty_regions, 0, self.size.height)
        try:
            return super().render_partial_update()
        finally:
            self._update_rows = None

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:  # the whole screen (as Textual does for an empty crop too)
            yield from super()._get_renders(crop)
            return
        runs = self._update_rows
        if runs is None:
            runs = [(crop.y, crop.height)]
        for widget, (region, clip) in self.visible_widgets.items():
            for top, height in runs:
                rows = clip.intersection(Region(clip.x, top, clip.width, height))
                x, y, width, height_ = region.intersection(rows)
                if width and height_:
                    # As Textual's own clipped case: the widget's lines inside `rows` only.
                    lines = widget.render_lines(Region(x - region.x, y - region.y, width, height_))
                    yield region, rows, lines


class ChatScreen(Screen[Any]):
    """The app's default screen, with the row-cropping compositor."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._compositor = RowCroppedCompositor()


class ChatScreenApp(App[None]):
    """An app whose default screen is a `ChatScreen`."""

    def get_default_screen(self) -> Screen[Any]:
        return ChatScreen(id="_default")
