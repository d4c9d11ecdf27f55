"""Themes, keys and settings wired into the real app: --theme, the config file's theme and
[keys], the palette's "Theme: change theme" and "Settings: edit"."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from textual.command import CommandPalette

from tui_chat import paths
from tui_chat.cli import main
from tui_chat.config import Settings
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.theme_commands import ThemePalette


def chat_app(**settings: Any) -> Any:
    from tui_chat.ui.app import ChatApp

    theme = settings.pop("theme_override", None)
    values: dict[str, Any] = {
        "api_key": "sk-test",
        "base_url": "http://127.0.0.1:9/v1",
        "tools_enabled": False,
    }
    return ChatApp(Settings(**{**values, **settings}), freeze_gc=False, save_sessions=False, theme=theme)


def test_unknown_theme_on_the_command_line_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--theme", "tui-midnigth", "--api-key", "sk-test"]) == 2
    err = capsys.readouterr().err
    assert "unknown theme 'tui-midnigth' (did you mean 'tui-midnight'?)" in err
    assert "available themes:" in err and "tui-paper" in err


def test_theme_comes_from_the_command_line_then_the_config_then_the_default() -> None:
    assert chat_app().theme == "tui-midnight"
    assert chat_app(theme="tui-ember").theme == "tui-ember"
    assert chat_app(theme="tui-ember", theme_override="tui-paper").theme == "tui-paper"
    gone = chat_app(theme="deleted-theme")
    assert gone.theme == "tui-midnight"
    assert any("theme 'deleted-theme' not found" in problem for problem in gone.problems)


def test_broken_user_themes_and_keys_are_reported_at_start() -> None:
    folder = paths.user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#zzz"\n', encoding="utf-8")
    app = chat_app(keys={"new_chat": "ctrl+shft+n", "no_such_thing": "f9"})
    problems = "\n".join(app.problems)
    assert "mine.toml: line 2: 'primary': not a colour" in problems
    assert "[keys] new_chat = 'ctrl+shft+n': unknown modifier 'shft'" in problems
    assert "[keys] no_such_thing: no such binding" in problems


async def test_a_remapped_key_works_in_the_app() -> None:
    app = chat_app(keys={"toggle_sidebar": "f9"})
    assert app.problems == []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.sidebar.display
        await pilot.press("ctrl+s")  # the default key no longer toggles it
        await pilot.pause()
        assert app.sidebar.display
        await pilot.press("f9")
        await pilot.pause()
        assert not app.sidebar.display


async def test_the_palette_offers_theme_and_settings_commands() -> None:
    app = chat_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Theme: change theme" in titles and "Settings: edit" in titles
        assert "Theme" not in titles  # Textual's own, replaced by the previewing one
        app.search_themes()
        await pilot.pause()
        assert isinstance(app.screen, ThemePalette)
        await pilot.press("escape")
        await pilot.pause()
        assert not CommandPalette.is_open(app)


async def test_settings_from_the_app_are_saved_and_used_at_once() -> None:
    app = chat_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_settings()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#model").value = "gpt-4.1"  # type: ignore[attr-defined]
        screen.query_one("#temperature").value = "0.3"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.current_model == "gpt-4.1"
        assert app.status_bar.model == "gpt-4.1"
        assert app.controller.engine is not None and app.controller.engine.options.temperature == 0.3
    saved = tomllib.loads(paths.config_file().read_text(encoding="utf-8"))
    assert saved == {"model": "gpt-4.1", "temperature": 0.3}
