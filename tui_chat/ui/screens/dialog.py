"""The look every small modal shares: dimmed backdrop, one centred framed box.

A screen subclasses `Dialog` and gives its box the class "dialog"; its own CSS then only says
what differs (width, border colour).
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
    }
    Dialog .dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        background: $surface;
        border: round $primary;
        border-title-color: $text-primary;
        border-title-style: bold;
    }
    """
