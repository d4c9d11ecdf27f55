"""Snapshots of the main screen in three themes (dark, light, high contrast) and of the settings
screen. After a deliberate visual change: `pytest tests/ui/themes/test_snapshots.py
--snapshot-update`, then look at the new SVGs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.ui.themes.test_render_app import make_app
from tui_chat.ui.screens.settings import SettingsScreen, SettingsValues


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def steady(pilot: Pilot) -> None:
    for widget in pilot.app.query("TextArea, Input"):
        if isinstance(widget, TextArea | Input):
            widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("theme", ["tui-midnight", "tui-daylight", "tui-high-contrast"])
def test_main_screen(theme: str, snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(make_app(theme), terminal_size=(120, 36), run_before=steady)


def test_settings_screen(snap_compare: Callable[..., bool]) -> None:
    app = make_app("tui-paper")

    async def open_settings(pilot: Pilot) -> None:
        values = SettingsValues(
            model="gpt-4o-mini",
            system_prompt="You are a concise assistant.",
            temperature=0.7,
            theme="tui-paper",
            tool_policies={"get_current_weather": "always", "count_string": "ask", "get_time": "never"},
        )
        await pilot.app.push_screen(SettingsScreen(values))
        await steady(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_settings)
