"""The command palette's commands, as data beside the key bindings (`ui/bindings.py`).

Each is "area: action" with a help line, the app method it calls and, when a key is bound to
the same action, that binding's id (the palette shows the key the keymap gives it now).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding

from tui_chat.ui.bindings import APP_BINDINGS, LOG_BINDINGS


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    title: str
    help: str
    method: str  # the ChatApp method (no arguments) the command calls
    binding_id: str | None = None


PALETTE_COMMANDS: tuple[PaletteCommand, ...] = (
    PaletteCommand(
        "Chat: stop the reply",
        "Stop generating; the partial reply is kept",
        "action_stop",
        "stop",
    ),
    PaletteCommand(
        "Context: compact",
        "Summarise all but the last turns and go on from the summary (a new branch; originals kept)",
        "action_compact",
        "compact",
    ),
    PaletteCommand(
        "Chat: regenerate",
        "Run the last message again",
        "action_regenerate",
        "regenerate",
    ),
    PaletteCommand(
        "Chat: edit last message",
        "Put it back in the prompt to change and resend",
        "action_edit_last",
        "edit_last",
    ),
    PaletteCommand(
        "Chat: edit selected message",
        "Edit the user message selected in the log: the edit becomes a new version",
        "action_edit_message",
        "edit_message",
    ),
    PaletteCommand(
        "Chat: regenerate selected reply",
        "Run the turn of the reply selected in the log again: a new version, the old one kept",
        "action_regenerate_message",
        "regenerate_message",
    ),
    PaletteCommand(
        "Chat: previous version",
        "Show the previous version (‹) of the message selected in the log",
        "action_prev_version",
        "prev_version",
    ),
    PaletteCommand(
        "Chat: next version",
        "Show the next version (›) of the message selected in the log",
        "action_next_version",
        "next_version",
    ),
    PaletteCommand(
        "Session: fork here",
        "Copy the conversation up to the selected message into a new session and open it",
        "action_fork_here",
        "fork_here",
    ),
    PaletteCommand(
        "Chat: new chat",
        "Start a fresh conversation",
        "action_new_chat",
        "new_chat",
    ),
    PaletteCommand(
        "Chat: clear",
        "Start over with the same system prompt",
        "action_clear",
        "clear",
    ),
    PaletteCommand(
        "Attach: file",
        "Pick a file to send with the next message (or type @ in the prompt)",
        "action_attach_file",
        None,
    ),
    PaletteCommand(
        "Sessions: browse",
        "Open, search, rename, delete or archive saved conversations",
        "action_sessions",
        "sessions",
    ),
    PaletteCommand(
        "Copy: last reply",
        "Copy the last reply to the clipboard",
        "action_copy_reply",
        "copy_reply",
    ),
    PaletteCommand(
        "Copy: code block",
        "Copy the last code block of the last reply",
        "action_copy_code",
        None,
    ),
    PaletteCommand(
        "Copy: selected message",
        "Copy the message selected in the log",
        "_copy_selected",
        None,
    ),
    PaletteCommand(
        "Model: switch",
        "Choose from the server's models or type a name",
        "action_switch_model",
        "switch_model",
    ),
    PaletteCommand(
        "System prompt: edit",
        "Change this conversation's system prompt",
        "action_system_prompt",
        "system_prompt",
    ),
    PaletteCommand(
        "Tools: policies",
        "Ask / always / never, per tool",
        "action_tool_policies",
        "tool_policies",
    ),
    PaletteCommand(
        "MCP: servers",
        "Each MCP server's state, tools and last stderr lines; restart or disable",
        "action_mcp_servers",
        None,
    ),
    PaletteCommand(
        "Theme: change theme",
        "Preview themes as you move through them; enter keeps one, esc restores",
        "search_themes",
        None,
    ),
    PaletteCommand(
        "Settings: edit",
        "Model, system prompt, temperature, theme and tool policies, saved to the config file",
        "action_settings",
        None,
    ),
    PaletteCommand(
        "View: toggle tool sidebar",
        "Show or hide tool activity",
        "action_toggle_sidebar",
        "toggle_sidebar",
    ),
    PaletteCommand(
        "View: focus the log",
        "Move between messages with up/down or j/k; a streaming reply goes on",
        "action_browse_log",
        "browse_log",
    ),
    PaletteCommand(
        "View: scroll the log up",
        "Read back while a reply streams (end follows it again)",
        "action_scroll_log_up",
        "scroll_log_up",
    ),
    PaletteCommand(
        "View: focus the prompt",
        "Back to typing",
        "action_focus_prompt",
        None,
    ),
)


def key_for(app: App[Any], binding_id: str) -> str:
    """The key bound to `binding_id` now (after the keymap), as the footer shows it."""
    for binding in [*APP_BINDINGS, *LOG_BINDINGS]:
        if isinstance(binding, Binding) and binding.id == binding_id:
            keymap: dict[str, str] = getattr(app, "_keymap", {})
            return keymap.get(binding_id, binding.key).split(",")[0].strip()
    return ""


def palette_commands(app: App[Any]) -> Iterator[SystemCommand]:
    """`PALETTE_COMMANDS` for `app`, each titled with its key when one is bound."""
    for command in PALETTE_COMMANDS:
        key = key_for(app, command.binding_id) if command.binding_id else ""
        title = f"{command.title}  ({key})" if key else command.title
        yield SystemCommand(title, command.help, getattr(app, command.method))
