"""Edit the conversation's system prompt; optionally make it the default for new chats."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Static, TextArea

from tui_chat.ui.screens.dialog import Dialog


@dataclass(frozen=True)
class SystemPromptResult:
    text: str
    make_default: bool


class SystemPromptScreen(Dialog[SystemPromptResult | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="system_prompt_save", priority=True),
        Binding("escape", "cancel", "Cancel", id="system_prompt_cancel"),
    ]

    DEFAULT_CSS = """
    #system-dialog {
        width: 90;
    }
    #system-text {
        height: 12;
        margin: 1 0;
    }
    #system-help {
        color: $text-muted;
        height: auto;
    }
    #system-buttons {
        height: auto;
        align-horizontal: right;
        & > Button {
            margin-left: 2;
        }
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="system-dialog", classes="dialog") as dialog:
            dialog.border_title = "System prompt"
            yield Static(
                "Sent first in every request of this conversation. Empty removes it. "
                "ctrl+s saves, esc cancels.",
                id="system-help",
                markup=False,
            )
            yield TextArea(self.text, id="system-text", soft_wrap=True, show_line_numbers=False)
            yield Checkbox("Also use it for new chats (saved in the config file)", id="system-default")
            with Horizontal(id="system-buttons"):
                yield Button("Cancel", id="system-cancel")
                yield Button("Save", id="system-save", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one("#system-text", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @on(Button.Pressed, "#system-save")
    def action_save(self) -> None:
        text = self.query_one("#system-text", TextArea).text.strip()
        make_default = self.query_one("#system-default", Checkbox).value
        self.dismiss(SystemPromptResult(text, make_default))

    @on(Button.Pressed, "#system-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
