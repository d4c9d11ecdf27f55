"""Where the system prompt changed mid-session, in the log."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.widgets.messages import MessageView, clock
from tui_chat.ui.widgets.text import literal


class SystemPromptChange(MessageView):
    """Where the system prompt changed mid-session: the requests after this use it."""

    def compose(self) -> ComposeResult:
        text = self.message.content
        header = "System prompt from here on" if text else "System prompt removed from here on"
        yield Static(
            Content.assemble(
                ("⚙ " + header, "bold $text-secondary"), ("  " + clock(self.message.created), "dim")
            ),
            classes="message-header",
        )
        if text:
            yield Static(literal(text), classes="message-body", markup=False)
