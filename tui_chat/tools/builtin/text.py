"""Built-in text tools."""

from __future__ import annotations

from tui_chat.tools.decorator import tool


@tool(policy="always")
def count_string(string: str) -> int:
    """Count the characters in a string exactly.

    Args:
        string: The text whose characters to count.
    """
    return len(string)
