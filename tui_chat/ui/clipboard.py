"""Copying the last reply, or its last code block, to the clipboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.ui.widgets.text import code_blocks

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def last_reply(conversation: Conversation) -> Message | None:
    for message in reversed(conversation.messages):
        if message.role == "assistant" and message.content:
            return message
    return None


def copy_reply(app: ChatApp) -> None:
    reply = last_reply(app.conversation)
    if reply is None:
        app.notify("No reply to copy yet.", timeout=3)
        return
    app.copy_to_clipboard(reply.content or "")
    app.notify(f"Copied the last reply ({len(reply.content or '')} characters)", timeout=2)


def copy_code(app: ChatApp) -> None:
    """Copy the last code block of the last reply."""
    reply = last_reply(app.conversation)
    blocks = code_blocks(reply.content or "") if reply is not None else []
    if not blocks:
        app.notify("No code block in the last reply.", timeout=3)
        return
    language, code = blocks[-1]
    app.copy_to_clipboard(code)
    app.notify(f"Copied a code block{f' ({language})' if language else ''}", timeout=2)
