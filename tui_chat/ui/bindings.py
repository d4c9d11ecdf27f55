"""Every key binding of the app, in one place.

Each binding has an `id`, so a keymap (the config file's `[keys]` table, applied with
`App.set_keymap`) can move it to another key. The defaults avoid the keys the prompt's
`TextArea` already uses (ctrl+a/e/k/u/w/d/x/c/v/z/y, arrows, home/end).

Scopes:
- APP_BINDINGS: active everywhere on the main screen.
- PROMPT_BINDINGS: active while the prompt has focus (Enter sends: a priority binding, because
  `TextArea` would otherwise consume it as a newline).
- LOG_BINDINGS: active while the chat log has focus (move between messages, copy them, and
  act on the selected one: its versions, edit, regenerate, fork).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    # Escape is shared: it stops a streaming reply; otherwise it cancels an edit or moves focus
    # to the log. Only one of the three is enabled at a time (see ChatApp.check_action).
    Binding("escape", "stop", "Stop", id="stop"),
    Binding("escape", "cancel_edit", "Cancel edit", id="cancel_edit"),
    Binding("escape", "focus_log", "Messages", id="focus_log"),
    Binding("ctrl+r", "regenerate", "Regenerate", id="regenerate"),
    Binding("ctrl+g", "edit_last", "Edit last", id="edit_last"),
    Binding("ctrl+t", "copy_reply", "Copy reply", id="copy_reply", show=False),
    Binding("ctrl+n", "new_chat", "New chat", id="new_chat"),
    # Not in the footer (it is full at 120 columns): the welcome text and the palette show it.
    Binding("ctrl+o", "sessions", "Sessions", id="sessions", show=False),
    Binding("ctrl+l", "clear", "Clear", id="clear", show=False),
    Binding("ctrl+s", "toggle_sidebar", "Sidebar", id="toggle_sidebar"),
    Binding("f2", "switch_model", "Model", id="switch_model", show=False),
    Binding("f3", "system_prompt", "System prompt", id="system_prompt", show=False),
    Binding("f4", "tool_policies", "Tool policies", id="tool_policies", show=False),
    Binding("f8", "compact", "Compact", id="compact", show=False),
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
]

PROMPT_BINDINGS: list[BindingType] = [
    # While a reply streams Enter queues the message: it is sent when the turn ends.
    Binding("enter", "send", "Send", id="send", priority=True),
    Binding("ctrl+j,shift+enter", "newline", "Newline", id="newline", key_display="^j"),
    # Up in an empty prompt recalls the last message for editing, as in most chat apps.
    Binding("up", "recall", "Edit last", id="recall", show=False),
    # To the log without stopping a streaming reply (esc would stop it): read back while it
    # streams. PageUp also scrolls a page up there, which stops following the stream.
    Binding("ctrl+up", "app.browse_log", "Messages", id="browse_log", show=False),
    Binding("pageup", "app.scroll_log_up", "Scroll up", id="scroll_log_up", show=False),
]

LOG_BINDINGS: list[BindingType] = [
    Binding("up,k", "prev_message", "Previous", id="prev_message"),
    Binding("down,j", "next_message", "Next", id="next_message"),
    Binding("home,g", "first_message", "First", id="first_message", show=False),
    # End (or scrolling back to the bottom) follows a streaming reply again.
    Binding("end,G", "last_message", "Last", id="last_message", show=False),
    Binding("c,y", "copy_message", "Copy message", id="copy_message"),
    Binding("b", "copy_code", "Copy code", id="copy_code"),
    # A message with other versions (`‹ 2/3 ›`): left / right show the previous / next one.
    Binding("left,h", "app.prev_version", "‹ Version", id="prev_version"),
    Binding("right,l", "app.next_version", "Version ›", id="next_version"),
    Binding("e", "app.edit_message", "Edit", id="edit_message", show=False),
    Binding("r", "app.regenerate_message", "Regenerate", id="regenerate_message", show=False),
    Binding("f", "app.fork_here", "Fork here", id="fork_here", show=False),
    Binding("i,enter", "app.focus_prompt", "Prompt", id="focus_prompt"),
    # Escape also returns to the prompt, unless a reply streams: then it stops it (app binding).
    Binding("escape", "app.leave_log", "Prompt", id="leave_log", show=False),
]
