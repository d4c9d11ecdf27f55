"""The choice when the next request would not fit the model's context (or the server said so):
send anyway, compact, start a new chat from a summary, or cancel. The prompt text is not
touched here: whatever the user picks, it stays in the prompt until it is really sent."""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui_chat.ui.screens.dialog import Dialog

ContextChoice = Literal["send", "compact", "new_chat", "cancel"]


class ContextFullScreen(Dialog[ContextChoice]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="context_full_cancel")]

    DEFAULT_CSS = """
    #context-full { width: 76; border: round $warning; }
    #context-full-text { height: auto; margin-bottom: 1; }
    #context-full-buttons { height: auto; align-horizontal: right; }
    #context-full-buttons > Button { margin-left: 1; min-width: 10; }
    """

    def __init__(self, text: str, *, send_label: str = "Send anyway") -> None:
        super().__init__()
        self.text = text
        self.send_label = send_label

    def compose(self) -> ComposeResult:
        with Vertical(id="context-full", classes="dialog") as box:
            box.border_title = "The context is full"
            yield Static(self.text, id="context-full-text", markup=False)
            with Horizontal(id="context-full-buttons"):
                yield Button(self.send_label, id="send")
                yield Button("Compact", id="compact", variant="primary")
                yield Button("New chat from a summary", id="new_chat")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#compact", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = event.button.id
        if choice in ("send", "compact", "new_chat", "cancel"):
            self.dismiss(choice)  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss("cancel")
