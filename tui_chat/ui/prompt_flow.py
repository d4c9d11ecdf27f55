"""What the prompt does around sending: the message queued while a reply streams, editing the
last message (the prompt and the edited message marked until it is resent or cancelled), and
opening another conversation without losing what was typed or queued; and `send`, what Enter
does (queue while streaming, attachments, the context check)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual.worker import WorkerCancelled, WorkerFailed

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.ui import attach_flow, context_flow
from tui_chat.ui.widgets.attachment_tray import AttachmentTray

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def send_queued(app: ChatApp, *, failed: bool) -> None:
    """The turn ended: send the queued message, unless the reply failed (then it goes back to
    the prompt, unsent: sending on would bury the error)."""
    if app.controller.busy or not app.queued.text:
        return
    if failed:
        unqueue(app)
        app.notify("Not sent, the reply failed: your queued message is back in the prompt.", timeout=5)
        return
    app.send(app.queued.take())


def unqueue(app: ChatApp, text: str | None = None) -> None:
    """The queued message (or `text`, taken earlier) back into the prompt, before whatever is
    typed there."""
    text = app.queued.take() if text is None else text
    if text:
        prompt = app.prompt
        prompt.text = f"{text}\n{prompt.text}" if prompt.text else text
        prompt.move_cursor(prompt.document.end)


def edit_last(app: ChatApp, message: Message | None = None) -> None:
    """A user message (`message`, or else the last) back into the prompt; sending makes the
    edit a new version of it (the original and its replies stay, as another branch)."""
    text = app.controller.start_edit(message)
    if text is None:
        if app.controller.busy:
            app.notify("A reply is streaming: press esc to stop it first.", timeout=3)
        return
    prompt = app.prompt
    prompt.text = text
    prompt.move_cursor(prompt.document.end)
    prompt.focus()
    show_editing(app, True)


def show_editing(app: ChatApp, editing: bool) -> None:
    prompt = app.prompt
    prompt.set_class(editing, "-editing")
    title = "Editing your message: enter sends it as a new version, esc cancels"
    prompt.border_title = title if editing else None
    for marked in app.query(".message.-editing"):
        marked.remove_class("-editing")
    edited = app.controller.editing
    if editing and edited is not None:
        view = app.chat_log.view_of(edited.id)
        if view is not None:
            view.add_class("-editing")
    app.refresh_bindings()


async def open_conversation(
    app: ChatApp, conversation: Conversation | None, *, system_prompt: str | None = None
) -> None:
    """Stop the running turn and open `conversation` (None: a fresh one with `system_prompt`).
    A queued message is never lost: it waits in the prompt of the conversation opened."""
    held = app.queued.take()  # first: the stopped turn must not send it
    if app.controller.busy:
        app.controller.stop()
        # A stopped turn's worker ends cancelled: that is the expected outcome, not an error.
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
    show_editing(app, False)
    if conversation is None:
        app.prompt.clear()
    unqueue(app, held)
    if conversation is None:
        fresh = app.controller.fresh_conversation(system_prompt=system_prompt, model=app.current_model)
        fresh.endpoint = app.settings.endpoint  # a new chat stays on the endpoint in use
    else:
        app.controller.open(conversation)
    await app.chat_log.drain()  # shown before the caller goes on


def send(app: ChatApp, text: str, *, checked: bool = False) -> bool:
    """Send `text` as the user (what Enter does). While a reply streams it is queued and
    sent when the turn ends; a second one joins the first. A message that would not fit
    the context opens a choice first (`checked`: the user chose to send it anyway)."""
    if not text.strip():
        return False
    controller = app.controller
    if controller.busy:
        if controller.editing is not None or not controller.ready:
            return False
        if app.query_one(AttachmentTray).pending:
            app.notify("A reply is streaming: send the attachments once it ends.", timeout=4)
            return False
        queued = app.queued.text
        app.queued.show(f"{queued}\n\n{text}" if queued else text)
        app.prompt.clear()
        return True
    attachments = attach_flow.attachments_for(app, text)
    if attachments is None:
        return False  # an attachment error is shown beside the prompt
    editing = controller.editing
    if not checked and editing is None and not context_flow.fits(app, text):
        return False  # the text stays in the prompt; the choice may send it
    if controller.send(text, attachments=attachments or None) is None:
        return False  # not configured: the log shows why (SendRefused)
    attach_flow.sent(app)
    if editing is not None:
        show_editing(app, False)
    app.prompt.clear()
    return True
