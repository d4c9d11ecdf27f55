"""Which of the app's actions are available now (its `check_action`): what the footer shows,
greys out or hides, by the conversation's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.ui.branch_flow import selected_view
from tui_chat.ui.clipboard import last_reply

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def action_state(app: ChatApp, action: str) -> bool | None:
    """Textual's check_action: True shown and enabled, None shown disabled, False hidden."""
    controller = app.controller
    busy = controller.busy
    if action == "stop":
        return busy
    if action == "cancel_edit":
        return not busy and controller.editing is not None
    if action == "focus_log":
        return not busy and controller.editing is None and app.focused is not app.chat_log
    if action == "leave_log":
        return not busy
    if action == "regenerate":
        return True if controller.can_regenerate() else None
    if action == "edit_last":
        return True if not busy and app.conversation.last("user") is not None else None
    if action == "edit_message":  # while a reply streams it says why it cannot
        return True if app.conversation.last("user") is not None else None
    if action in ("prev_version", "next_version"):
        # In the footer only for a selected message with other versions.
        view = selected_view(app)
        place = view.branching if view is not None else None
        if place is None:
            return False
        at_end = place.index == 1 if action == "prev_version" else place.index == place.count
        return None if at_end else True
    if action in ("regenerate_message", "fork_here"):
        return True if app.conversation.messages else None
    if action == "copy_reply":
        return True if last_reply(app.conversation) is not None else None
    return True
