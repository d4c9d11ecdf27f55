"""The app's side of attachments: wiring the tray to the prompt, what a send attaches (the
chips, and any `@path` typed or pasted that names a file), and the palette's "Attach: file"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.attachments.model import Attachment
from tui_chat.attachments.reading import Limits
from tui_chat.ui.widgets.attachment_tray import AT_PATH, AttachmentTray

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def setup(app: ChatApp, root: Path | None = None) -> None:
    tray = app.query_one(AttachmentTray)
    tray.configure(root or Path.cwd(), Limits.of(app.settings))
    app.prompt.completer = tray


def attachments_for(app: ChatApp, text: str) -> list[Attachment] | None:
    """What the message about to be sent attaches; None (nothing may be sent) while a file
    cannot attach: its error chip says why until it is removed."""
    tray = app.query_one(AttachmentTray)
    for match in AT_PATH.finditer(text):
        candidate = tray.root / match.group(1)
        if candidate.is_file() and not any(a.name == match.group(1) for a in tray.pending):
            tray.attach(match.group(1))
    if tray.errors:
        app.notify("Not sent: remove or fix the attachment marked ⚠ above the prompt.", timeout=4)
        return None
    return list(tray.pending)


def sent(app: ChatApp) -> None:
    app.query_one(AttachmentTray).take_all()


def open_picker(app: ChatApp) -> None:
    """Palette "Attach: file": an `@` at the cursor opens the picker."""
    prompt = app.prompt
    prompt.focus()
    row, column = prompt.cursor_location
    before = prompt.document.get_line(row)[:column]
    prompt.insert("@" if not before or before.endswith((" ", "\t")) else " @")
