"""The settings screen: edits model, system prompt, temperature, theme and tool policies and
saves them to the config file without losing the user's comments."""

from __future__ import annotations

import tomllib
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from tui_chat import paths
from tui_chat.ui.screens.settings import SettingsChanges, SettingsScreen, SettingsValues, parse_temperature
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import register_themes

COMMENTED_CONFIG = """\
# tui-chat settings: edited by hand, with care.
model = "gpt-4o-mini"   # cheap and fast
temperature = 0.7

# Tools I trust.
[tools]
timeout = 20  # seconds

[tools.policies]
get_current_weather = "always"  # harmless
"""

VALUES = SettingsValues(
    model="gpt-4o-mini",
    system_prompt=None,
    temperature=0.7,
    theme="tui-midnight",
    tool_policies={"get_current_weather": "always", "count_string": "ask", "delete_file": "never"},
)


class SettingsApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        register_themes(self)
        self.theme = "tui-midnight"
        self.applied: list[SettingsChanges] = []
        self.results: list[SettingsChanges | None] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Static("main screen")

    def open_settings(self, values: SettingsValues = VALUES, **kwargs: Any) -> SettingsScreen:
        screen = SettingsScreen(values, on_apply=self.applied.append, models=["gpt-4o", "gpt-4.1"], **kwargs)
        self.push_screen(screen, self.results.append)
        return screen


def write_config(text: str = COMMENTED_CONFIG) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_parse_temperature() -> None:
    assert parse_temperature("") is None
    assert parse_temperature(" 1.25 ") == 1.25
    for bad in ("hot", "2.5", "-1", "nan"):
        try:
            parse_temperature(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


async def test_saving_writes_only_the_changes_and_keeps_comments() -> None:
    write_config()
    app = SettingsApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.open_settings()
        await pilot.pause()
        screen.query_one("#model", Input).value = "gpt-4.1"
        screen.query_one("#temperature", Input).value = "0.2"
        screen.query_one("#system-prompt", TextArea).text = "Answer like a pirate."
        screen.query_one("#theme", Select).value = "tui-paper"
        screen.query_one("#policy-0", Select).value = "always"  # count_string (sorted first)
        await pilot.pause()
        assert app.theme == "tui-paper", "choosing a theme previews it"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is not screen
        assert app.theme == "tui-paper"

    text = paths.config_file().read_text(encoding="utf-8")
    for kept in (
        "# tui-chat settings: edited by hand, with care.",
        "# cheap and fast",
        "# Tools I trust.",
        "timeout = 20  # seconds",
        'get_current_weather = "always"  # harmless',
    ):
        assert kept in text, kept
    data = tomllib.loads(text)
    assert data["model"] == "gpt-4.1"
    assert data["temperature"] == 0.2
    assert data["system_prompt"] == "Answer like a pirate."
    assert data["theme"] == "tui-paper"
    assert data["tools"]["policies"] == {"get_current_weather": "always", "count_string": "always"}

    [changes] = app.applied
    assert app.results == [changes]
    assert changes.changed == {"model", "temperature", "system_prompt", "theme", "tool_policies"}
    assert changes.changed_policies == {"count_string": "always"}
    assert changes.after.model == "gpt-4.1"


async def test_cancel_restores_the_theme_and_writes_nothing() -> None:
    write_config()
    app = SettingsApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.open_settings()
        await pilot.pause()
        screen.query_one("#theme", Select).value = "tui-daylight"
        screen.query_one("#model", Input).value = "something-else"
        await pilot.pause()
        assert app.theme == "tui-daylight"
        await pilot.press("escape")
        await pilot.pause()
        assert app.theme == "tui-midnight"
    assert paths.config_file().read_text(encoding="utf-8") == COMMENTED_CONFIG
    assert app.applied == [] and app.results == [None]


async def test_an_invalid_value_is_shown_and_nothing_is_saved() -> None:
    write_config()
    app = SettingsApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.open_settings()
        await pilot.pause()
        screen.query_one("#temperature", Input).value = "very hot"
        await pilot.click("#save")
        await pilot.pause()
        assert app.screen is screen
        error = screen.query_one("#settings-error", Static)
        assert error.has_class("-visible")
        assert "Temperature must be a number" in str(error.render())
        assert app.focused is screen.query_one("#temperature", Input)
    assert paths.config_file().read_text(encoding="utf-8") == COMMENTED_CONFIG


async def test_clearing_temperature_and_prompt_removes_them_from_the_file() -> None:
    write_config(
        COMMENTED_CONFIG.replace("temperature = 0.7\n", 'temperature = 0.7\nsystem_prompt = "Be brief."\n')
    )
    app = SettingsApp()
    values = SettingsValues(**{**VALUES.__dict__, "system_prompt": "Be brief."})
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.open_settings(values)
        await pilot.pause()
        screen.query_one("#temperature", Input).value = ""
        screen.query_one("#system-prompt", TextArea).text = "  "
        await pilot.press("ctrl+s")
        await pilot.pause()
    text = paths.config_file().read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert "temperature" not in data and "system_prompt" not in data
    assert "# cheap and fast" in text
    [changes] = app.applied
    assert changes.after.temperature is None and changes.after.system_prompt is None


async def test_saving_without_changes_writes_nothing() -> None:
    app = SettingsApp()
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_settings()
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert not paths.config_file().exists()
    assert app.applied == [] and app.results == [None]


async def test_a_failed_save_keeps_the_screen_open() -> None:
    def broken_save(key_path: tuple[str, ...], value: object) -> None:
        raise OSError("read-only file system")

    app = SettingsApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = app.open_settings(save=broken_save)
        await pilot.pause()
        screen.query_one("#model", Input).value = "gpt-4o"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "Not saved: read-only file system" in str(screen.query_one("#settings-error", Static).render())
    assert app.applied == []
