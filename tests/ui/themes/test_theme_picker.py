"""'Theme: change theme' previews each highlighted theme, keeps the chosen one (saved to the
config file) and restores the previous theme on cancel."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot

from tests.ui.themes.sample_app import SampleChatApp
from tests.waiting import wait_for
from tui_chat import paths
from tui_chat.ui.theme_commands import ThemeCommands, ThemePalette, open_theme_picker


def palette_open(app: App[Any]) -> bool:
    return CommandPalette.is_open(app)


class PickerApp(SampleChatApp):
    COMMANDS = SampleChatApp.COMMANDS | {ThemeCommands}


async def wait_for_list(pilot: Pilot[None], palette: ThemePalette) -> None:
    # The palette gathers its options in a worker.
    await wait_for(pilot, lambda: palette.has_class("-ready"), what="the theme list to fill")


async def theme_becomes(
    pilot: Pilot[None], app: App[None], name: str | None = None, not_in: tuple[str, ...] = ()
) -> str:
    """Wait for the (debounced) preview to apply."""
    await wait_for(
        pilot,
        lambda: (name is None or app.theme == name) and app.theme not in not_in,
        what=f"the theme to change from {app.theme!r}",
    )
    return app.theme


async def test_highlight_previews_and_escape_restores() -> None:
    app = PickerApp("tui-midnight")
    saved: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        palette = open_theme_picker(app, on_chosen=saved.append)
        await wait_for_list(pilot, palette)
        assert app.theme == "tui-midnight", "opening the list previews nothing (current theme first)"
        await pilot.press("down")
        first_preview = await theme_becomes(pilot, app, not_in=("tui-midnight",))
        await pilot.press("down")
        await theme_becomes(pilot, app, not_in=("tui-midnight", first_preview))
        await pilot.press("escape")
        await pilot.pause()
        assert not palette_open(app)
        assert app.theme == "tui-midnight"
    assert saved == []


async def test_holding_a_key_previews_only_where_the_cursor_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    # Far longer than the four key presses take, even on a loaded machine running the suite on
    # every core (0.5 s was not: a preview fired between two presses there).
    monkeypatch.setattr(ThemePalette, "PREVIEW_DELAY", 3.0)
    app = PickerApp("tui-midnight")
    applied: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme_changed_signal.subscribe(app, lambda theme: applied.append(theme.name))
        palette = open_theme_picker(app, on_chosen=None)
        await wait_for_list(pilot, palette)
        await pilot.press("down", "down", "down", "down")
        stopped_on = await theme_becomes(pilot, app, not_in=("tui-midnight",))
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == stopped_on
    assert applied == [stopped_on]


async def test_typing_previews_the_best_match_and_enter_keeps_and_saves_it() -> None:
    config_file = paths.config_file()
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text('# my settings\nmodel = "gpt-4o"  # the good one\n', encoding="utf-8")
    app = PickerApp("tui-midnight")
    async with app.run_test(size=(100, 30)) as pilot:
        palette = open_theme_picker(app)
        await wait_for_list(pilot, palette)
        await pilot.press(*"paper")
        await theme_becomes(pilot, app, "tui-paper")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert not palette_open(app)
        assert app.theme == "tui-paper"
    text = config_file.read_text(encoding="utf-8")
    assert tomllib.loads(text)["theme"] == "tui-paper"
    assert '# my settings\nmodel = "gpt-4o"  # the good one\n' in text


async def test_the_command_palette_offers_theme_change_theme() -> None:
    app = PickerApp("tui-midnight")
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"change theme")
        await wait_for(pilot, lambda: app.screen.has_class("-ready"), what="the palette's results")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ThemePalette), what="the theme palette")
