"""Versions of any message: switch between them, edit any question, regenerate any reply,
fork a session at a message. The app's actions call these; the controller changes the path and
the log, the sidebar and the status bar follow its events (BranchSwitched, MessagesRemoved)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.ui import prompt_flow
from tui_chat.ui.widgets.messages import MessageView

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def regenerate(app: ChatApp) -> None:
    if app.controller.busy:
        app.notify("A reply is streaming: press esc to stop it first.", timeout=3)
        return
    user = app.conversation.last("user")
    if user is None:
        app.notify("Nothing to regenerate yet.", timeout=3)
        return
    if app.controller.ready and app.controller.editing is not None:
        app.action_cancel_edit()
    app.controller.regenerate()  # the log and the sidebar follow its MessagesRemoved


def edit_message(app: ChatApp) -> None:
    """Edit the user message selected in the log (else the last one)."""
    if refused(app, "edit"):
        return
    view = selected_view(app)
    message = view.message if view is not None and view.message.role == "user" else None
    if view is not None and message is None:
        app.notify("Select one of your messages to edit it (r regenerates a reply).", timeout=3)
        return
    prompt_flow.edit_last(app, message)


def regenerate_message(app: ChatApp) -> None:
    """Run the turn of the message selected in the log again (else the last turn)."""
    if refused(app, "regenerate"):
        return
    view = selected_view(app)
    if view is None:
        regenerate(app)
        return
    if app.controller.editing is not None:
        app.action_cancel_edit()
    if not app.controller.regenerate(view.message):
        app.notify("Nothing to regenerate there.", timeout=3)


def branch_step(app: ChatApp, message_id: str, direction: str) -> None:
    """A click on an arrow ("prev" / "next") of a `‹ 2/3 ›` marker."""
    view = app.chat_log.view_of(message_id)
    if view is not None:
        app.chat_log.select(view, scroll=False)
        step_version(app, -1 if direction == "prev" else +1)


def step_version(app: ChatApp, step: int) -> None:
    view = selected_view(app)
    if view is None or view.branching is None:
        app.notify("Select a message marked ‹ n/m › to see its other versions.", timeout=3)
        return
    if refused(app, "switch versions"):
        return
    editing = app.controller.editing
    app.controller.switch_branch(view.message, step)  # the log redraws below it
    if editing is not None and app.controller.editing is None:
        prompt_flow.show_editing(app, False)  # the edited message went off screen with its branch


def fork_here(app: ChatApp) -> None:
    """Copy the path up to the selected message (else the whole branch) into a new session."""
    if refused(app, "fork"):
        return
    view = selected_view(app)
    messages = app.conversation.messages
    message = view.message if view is not None else (messages[-1] if messages else None)
    if message is None:
        app.notify("Nothing to fork yet.", timeout=3)
        return
    # The store lives behind the session saver (imported on first use, as the app does).
    from tui_chat.ui.session_saver import fork_session

    app.run_worker(fork_session(app, message.id), group="open-session", exclusive=True)


def show_message(app: ChatApp, message_id: str) -> None:
    """Show the branch of the open conversation that holds `message_id` (a search hit)."""
    if not refused(app, "open another version"):
        editing = app.controller.editing
        app.controller.show_message(message_id)
        if editing is not None and app.controller.editing is None:
            prompt_flow.show_editing(app, False)


def selected_view(app: ChatApp) -> MessageView | None:
    selected = app.chat_log.selected
    return selected if isinstance(selected, MessageView) else None


def refused(app: ChatApp, what: str) -> bool:
    """While a reply streams the path must not change under it: say so, do nothing."""
    if app.controller.busy:
        app.notify(
            f"A reply is streaming: wait for it (or press esc to stop it) to {what}.",
            severity="warning",
            timeout=4,
        )
        return True
    return False
