"""A text attachment as it was sent, read-only; esc closes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import TextArea

from tui_chat.attachments.model import Attachment, human_size
from tui_chat.ui.screens.dialog import Dialog


class AttachmentViewer(Dialog[None]):
    BINDINGS = [Binding("escape,q", "close", "Close", id="close_attachment")]
    DEFAULT_CSS = """
    AttachmentViewer .dialog { width: 100; height: 90%; }
    AttachmentViewer TextArea { height: 1fr; }
    """

    def __init__(self, attachment: Attachment) -> None:
        super().__init__()
        self.attachment = attachment

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = f"{self.attachment.name} ({human_size(self.attachment.size)}, as sent)"
            box.border_subtitle = "esc closes"
            yield TextArea(self.attachment.text, read_only=True, soft_wrap=False, id="attachment-text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
