"""The app's own theme variables, beside Textual's ($primary, $surface, ...).

Every colour in the app's TCSS comes from Textual's variables or from these. A theme file sets
them in its [variables] table; anything it leaves out falls back to these literal defaults
(Textual cannot parse a default that refers to another variable).
"""

from __future__ import annotations

APP_VARIABLE_DEFAULTS: dict[str, str] = {
    "user-message-background": "#1d2a3a",
    "assistant-message-background": "#1e1e1e",
    "tool-message-background": "#23202b",
    "error-message-background": "#3b1d1d",
    "sidebar-background": "#181818",
    "code-block-background": "#151515",
    "tool-running": "#e0af68",
    "tool-ok": "#9ece6a",
    "tool-error": "#f7768e",
    "tool-refused": "#a9b1d6",
}
