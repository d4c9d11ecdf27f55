"""The main screen's compositor: an update renders only the rows it repaints.

Textual's compositor (textual 8.2, pinned) renders a partial update by asking every widget
whose clip overlaps the update for all of its visible lines, then keeps only the rows being
repainted. While a reply streams, an update repaints a line or two of the reply 10 times a
second (plus the prompt's cursor blinking), yet each one had the screen, the layout containers,
the sidebar, the status bar, the prompt and the footer render every visible row: about a tenth
of the UI's CPU. `RowCroppedCompositor` narrows each widget's clip to the rows of the update, so
a widget outside them is not asked at all, and one inside renders only those rows. The rows it
paints are the same: every row of the update is still rendered in full, front to back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._compositor import Compositor
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


class RowCroppedCompositor(Compositor):
    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if not crop:  # the whole screen (as Textual does for an empty crop too)
            yield from super()._get_renders(crop)
            return
        top, height = crop.y, crop.height
        for widget, (region, clip) in self.visible_widgets.items():
            rows = clip.intersection(Region(clip.x, top, clip.width, height))
            x, y, width, height_ = region.intersection(rows)
            if width and height_:
                # As Textual's own clipped case: the widget's lines inside `rows` only.
                yield region, rows, widget.render_lines(Region(x - region.x, y - region.y, width, height_))


class ChatScreen(Screen[Any]):
    """The app's default screen, with the row-cropping compositor."""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._compositor = RowCroppedCompositor()


class ChatScreenApp(App[None]):
    """An app whose default screen is a `ChatScreen`."""

    def get_default_screen(self) -> Screen[Any]:
        return ChatScreen(id="_default")
