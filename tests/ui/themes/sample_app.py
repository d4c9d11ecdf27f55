"""A small app shaped like the chat screen (sidebar, user / assistant / tool / error messages, a
code block, tool statuses, prompt, footer) whose styles use every app theme variable, for
rendering themes before and beside the real app."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static, TextArea

from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import register_themes

SAMPLE_CSS = """
Screen { background: $background; }
#sidebar { width: 30; background: $sidebar-background; border-right: vkey $panel; padding: 0 1; }
#sidebar .title { color: $text-primary; text-style: bold; }
.status-running { color: $tool-running; }
.status-ok { color: $tool-ok; }
.status-error { color: $tool-error; }
.status-refused { color: $tool-refused; }
#log { padding: 0 1; }
.message { padding: 0 1; margin: 1 0 0 0; height: auto; }
.user { background: $user-message-background; border-left: thick $primary; margin-left: 8; }
.assistant { background: $assistant-message-background; border-left: thick $secondary; }
.tool { background: $tool-message-background; color: $text-muted; }
.error { background: $error-message-background; color: $text-error; border-left: thick $error; }
.code { background: $code-block-background; color: $text; padding: 0 1; margin: 0 0; }
#prompt { height: 4; border: tall $border; background: $surface; }
"""


class SampleChatApp(App[None]):
    CSS = SAMPLE_CSS
    TITLE = "tui-chat"

    def __init__(self, theme: str = "tui-midnight") -> None:
        super().__init__()
        self.theme_problems = register_themes(self)
        self.theme = theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Horizontal():
            with VerticalScroll(id="log"):
                yield Static(
                    "What's the weather in Lisbon, and count the r's in strawberry?", classes="message user"
                )
                yield Static("tool: get_current_weather(city='Lisbon')", classes="message tool")
                yield Static(
                    "Lisbon is 21 °C and sunny. Here is the counting code:", classes="message assistant"
                )
                yield Static(
                    "def count(s: str, c: str) -> int:\n    return s.count(c)", classes="message code"
                )
                yield Static(
                    "Error: the server closed the stream (HTTP 502). Retry with ctrl+r.",
                    classes="message error",
                )
            with Vertical(id="sidebar"):
                yield Static("Tools", classes="title")
                yield Static("⠋ get_current_weather", classes="status-running")
                yield Static("✓ count_string  0.1 s", classes="status-ok")
                yield Static("✗ get_date  timeout", classes="status-error")
                yield Static("⊘ delete_file  refused", classes="status-refused")
        yield TextArea("Draft message…", id="prompt")
        yield Footer()
