"""The session browser (screen.py), its rows and key routing (rows.py) and dialogs (dialogs.py)."""

from tui_chat.ui.screens.session_browser.dialogs import ConfirmDeleteScreen, RenameSessionScreen
from tui_chat.ui.screens.session_browser.rows import (
    MATCH_STYLE,
    Entry,
    SearchBox,
    SessionList,
    SessionRow,
    relative_time,
)
from tui_chat.ui.screens.session_browser.screen import SessionBrowser, SessionSource

__all__ = [
    "MATCH_STYLE",
    "ConfirmDeleteScreen",
    "Entry",
    "RenameSessionScreen",
    "SearchBox",
    "SessionBrowser",
    "SessionList",
    "SessionRow",
    "SessionSource",
    "relative_time",
]
