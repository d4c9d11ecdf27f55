"""Redrawing the log when another branch of the conversation comes on screen (a version
switch, an edit, a regenerate): only the views below the unchanged part are replaced, so a
switch in a long session costs what the new branch's views cost, not a whole re-mount."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.engine.conversation import Message
from tui_chat.ui.widgets.error_message import ErrorMessage
from tui_chat.ui.widgets.log_window import WINDOW, displayed
from tui_chat.ui.widgets.messages import MessageView

if TYPE_CHECKING:
    from tui_chat.ui.widgets.chat_log import ChatLog


async def redraw_below(log: ChatLog, after: Message | None) -> None:
    """The path changed below `after` (None: from the first message): unmount the views
    shown under it and mount the path's messages from there down."""
    messages = log.conversation.messages
    start = 0 if after is None else next((i + 1 for i, m in enumerate(messages) if m is after), None)
    if start is None or start < log._first_index:
        await log.show_conversation(log.conversation)  # the change is above what is mounted
        return
    below = [i for i in range(start, len(messages)) if displayed(messages[i])]
    if len(below) > WINDOW:
        await log.show_conversation(log.conversation)  # a long branch: only its tail
        return
    # From the first view of a message no longer above the change (`after` may be a tool
    # result, shown inside the reply above it): errors before that view belong above.
    kept = {m.id for m in messages[log._first_index : start]}
    children = list(log.children)
    cut = next(
        (i for i, c in enumerate(children) if isinstance(c, MessageView) and c.message.id not in kept),
        len(children),
    )
    doomed = [c for c in children[cut:] if isinstance(c, MessageView | ErrorMessage)]
    for child in doomed:
        if isinstance(child, MessageView):
            log._views.pop(child.message.id, None)
    log._views_removed()
    if log.selected is not None and log.selected in doomed:
        log._set_selected(None)
    # Not awaited: pruning waits for the widgets' own queues (most of a second with a long
    # log on screen) and the new views can be mounted meanwhile, after them.
    log.remove_children(doomed)
    widgets = log._build(below)
    if widgets:
        log._remove_welcome()
        await log.mount_all(widgets)
    log._update_older()


def select_message(log: ChatLog, message: Message) -> None:
    view = log._views.get(message.id)
    if view is not None:
        log.select(view, scroll=False)
        log.app.refresh_bindings()
