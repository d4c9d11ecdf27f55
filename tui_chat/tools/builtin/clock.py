"""Built-in date and time tools, in the user's local time zone."""

from __future__ import annotations

from datetime import datetime

from tui_chat.tools.decorator import tool


def _now() -> datetime:
    return datetime.now().astimezone()  # aware, in the local time zone


@tool(policy="always")
def get_current_date() -> str:
    """Get today's date in the user's local time zone, as ISO 8601 (YYYY-MM-DD)."""
    return _now().date().isoformat()


@tool(policy="always")
def get_current_time() -> str:
    """Get the current local time as ISO 8601 with the UTC offset, e.g. 2024-05-01T14:03:07+02:00."""
    return _now().isoformat(timespec="seconds")
