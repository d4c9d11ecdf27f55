"""Chips under a sent user message for the files it carried; a text one opens in a viewer
(the chip posts `Opened`, the app shows the screen: widgets do not open screens)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from tui_chat.attachments.model import Attachment, human_size


class SentAttachmentChip(Static, can_focus=True):
    BINDINGS = [Binding("enter,space", "open", "Open", id="open_attachment")]

    def __init__(self, attachment: Attachment) -> None:
        icon = "🖼" if attachment.kind == "image" else "📄"
        super().__init__(
            f"{icon} {attachment.name} · {human_size(attachment.size)}",
            classes=f"sent-attachment -{attachment.kind}",
            markup=False,
        )
        self.attachment = attachment
        self.tooltip = "enter or click: view" if attachment.kind == "text" else attachment.mime

    def on_click(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.attachment.kind == "text":
            self.post_message(SentAttachments.Opened(self.attachment))


class SentAttachments(Horizontal):
    DEFAULT_CSS = """
    SentAttachments { height: auto; }
    SentAttachmentChip { width: auto; height: 1; margin: 0 1 0 0; padding: 0 1; background: $boost; }
    SentAttachmentChip:focus { background: $accent; }
    """

    class Opened(Message):
        def __init__(self, attachment: Attachment) -> None:
            super().__init__()
            self.attachment = attachment

    def __init__(self, attachments: list[Attachment]) -> None:
        super().__init__(classes="sent-attachments")
        self.attachments = attachments

    def compose(self) -> ComposeResult:
        for attachment in self.attachments:
            yield SentAttachmentChip(attachment)
