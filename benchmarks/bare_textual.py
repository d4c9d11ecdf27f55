"""The start-up baseline: a bare Textual app with what a chat screen minimally has (a Header, an
empty Markdown, a focused TextArea and a Footer), nothing else. `tmux_stream.py` launches it
beside tui-chat so start-up is compared with Textual's own, in the same run.

    python benchmarks/bare_textual.py
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Markdown, TextArea


class BareApp(App[None]):
    AUTO_FOCUS = "TextArea"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Markdown("")
        yield TextArea()
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
