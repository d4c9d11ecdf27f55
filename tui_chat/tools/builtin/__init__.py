"""The built-in tools, each enabled by default with the "always" policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_chat.config import Settings
from tui_chat.tools.builtin.clock import get_current_date, get_current_time
from tui_chat.tools.builtin.text import count_string
from tui_chat.tools.builtin.weather import make_weather_tool

BUILTIN_NAMES = ("count_string", "get_current_date", "get_current_time", "get_current_weather")


def builtin_tools(settings: Settings) -> list[Callable[..., Any]]:
    """The @tool functions, in the order they are offered to the model."""
    weather = make_weather_tool(
        weather_base_url=settings.weather_base_url,
        geocoding_base_url=settings.geocoding_base_url,
    )
    return [count_string, get_current_date, get_current_time, weather]
