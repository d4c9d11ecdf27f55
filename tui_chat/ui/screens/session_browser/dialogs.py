"""The session browser's two dialogs: rename a session, confirm deleting one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.screens.session_browser.rows import message_count_text
from tui_chat.ui.widgets.text import visible_literal


class RenameSessionScreen(Dialog[str | None]):
    """An input with the current title; Enter saves, Escape cancels. Dismisses with the new
    title (spaces tidied) or None."""

    DEFAULT_CSS = """
    RenameSessionScreen {
        #rename-hint {
            color: $text-muted;
            margin-top: 1;
        }
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    # Explicit: a screen without one uses the app's AUTO_FOCUS (the chat app's prompt).
    AUTO_FOCUS = "#rename-input"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.current = title

    def compose(self) -> ComposeResult:
        with Vertical(id="rename-dialog", classes="dialog") as dialog:
            dialog.border_title = "Rename session"
            yield Input(self.current, placeholder="A title for this session", id="rename-input")
            yield Static("enter saves · esc cancels", id="rename-hint", markup=False)

    @on(Input.Submitted, "#rename-input")
    def _save(self, event: Input.Submitted) -> None:
        title = " ".join(event.value.split())
        if not title:
            self.notify("A title cannot be empty.", severity="warning")
            return
        self.dismiss(title if title != self.current else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDeleteScreen(Dialog[bool]):
    """Delete (y / d) or keep (n / Escape, the default button)."""

    DEFAULT_CSS = """
    ConfirmDeleteScreen {
        #delete-dialog {
            border: round $error;
            border-title-color: $text-error;
        }
        #delete-buttons {
            height: auto;
            margin-top: 1;
            align-horizontal: right;
            Button { margin-left: 1; }
        }
    }
    """

    BINDINGS = [
        Binding("y,d", "answer(True)", "Delete"),
        Binding("n,escape", "answer(False)", "Keep"),
    ]

    AUTO_FOCUS = "#delete-cancel"

    def __init__(self, title: str, message_count: int | None) -> None:
        super().__init__()
        self.session_title = title
        self.message_count = message_count

    def compose(self) -> ComposeResult:
        messages = f" and its {message_count_text(self.message_count)}" if self.message_count else ""
        with Vertical(id="delete-dialog", classes="dialog") as dialog:
            dialog.border_title = "Delete this session?"
            yield Static(
                Content.assemble(
                    "“", visible_literal(self.session_title, "bold"), f"”{messages} will be deleted for good."
                ),
                id="delete-text",
            )
            with Horizontal(id="delete-buttons"):
                yield Button(Content.assemble("Keep  ", ("esc", "dim")), id="delete-cancel")
                yield Button(Content.assemble("Delete  ", ("y", "dim")), variant="error", id="delete-confirm")

    @on(Button.Pressed, "#delete-confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#delete-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
