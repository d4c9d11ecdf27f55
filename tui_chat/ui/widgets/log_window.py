"""How much of a long conversation the log keeps mounted, and which messages get a view."""

from __future__ import annotations

from tui_chat.engine.conversation import Message

WINDOW = 40
"""Messages loaded per step when scrolling up, and kept when pruning."""

INITIAL = 16
"""Messages mounted when a conversation opens: enough to fill a screen, so it opens quickly;
scrolling up loads the older ones."""

PRUNE_AT = 2 * WINDOW
"""Mounted messages beyond which the oldest are unmounted (only while following the bottom)."""


def displayed(message: Message) -> bool:
    """Whether a message gets a widget of its own (tool results show inside the reply)."""
    return message.role in ("user", "assistant", "system")  # system: a mid-session prompt change
