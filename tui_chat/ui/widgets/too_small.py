"""The notice a screen shows instead of its layout when the terminal is too small to use.

Below `MIN_WIDTH` x `MIN_HEIGHT` the prompt, the log and the dialogs have no room to work: rather
than a broken layout, every screen's own widgets are hidden (app.tcss, `Screen.-too-small`) and
this one line explains. Nothing is removed, so what the user typed is still there once the
window grows back.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

MIN_WIDTH = 20
MIN_HEIGHT = 6


def is_too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallNotice(Static):
    DEFAULT_CSS = """
    TooSmallNotice {
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $text-warning;
    }
    """

    def __init__(self) -> None:
        super().__init__(f"Window too small: at least {MIN_WIDTH}x{MIN_HEIGHT}", markup=False)
        # What had focus when the layout was hidden (hiding a widget takes its focus away).
        self.focus_after: Widget | None = None


def mark_too_small(screen: Screen[Any], too_small: bool) -> None:
    """Show (or take away) the notice on `screen`; its widgets stay mounted, only hidden."""
    if too_small == screen.has_class("-too-small"):
        return
    notices = screen.query_children(TooSmallNotice)
    notice = notices.first() if notices else None
    if too_small:
        if notice is None:
            notice = TooSmallNotice()
            screen.mount(notice)
        notice.focus_after = screen.focused
        screen.add_class("-too-small")
        return
    screen.remove_class("-too-small")
    if notice is not None and notice.focus_after is not None:
        widget, notice.focus_after = notice.focus_after, None
        # After the layout is back: a hidden widget cannot take focus.
        screen.call_after_refresh(screen.set_focus, widget)
