"""The tool confirmation modal: what it shows, and the three answers by key and by click."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rich.console import Console
from textual import work
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Button, Static

from tui_chat.engine.conversation import ToolCall
from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

SHELL_CALL = ToolCall(
    "call_1",
    "run_shell",
    json.dumps({"command": "make [bold]all[/bold]\u001b[31m", "cwd": "/home/me/project", "env": {"CI": "1"}}),
)
DESCRIPTION = "Run a shell command on this machine and return its output. [red]Use with care[/red]."


class HostApp(App[None]):
    """Stands in for the chat app: pushes the modal the way the turn worker does."""

    def __init__(self, call: ToolCall = SHELL_CALL, description: str | None = DESCRIPTION) -> None:
        super().__init__()
        self.call = call
        self.description = description
        self.answers: list[str | None] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield Static("\n".join(f"chat line {i}" for i in range(60)))

    def on_mount(self) -> None:
        self.push_screen(ConfirmToolScreen(self.call, description=self.description), self.answers.append)


def screen_text(app: App[Any]) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


@pytest.mark.parametrize(
    ("key", "answer"),
    [("enter", "once"), ("y", "once"), ("a", "always"), ("escape", "deny"), ("n", "deny")],
)
async def test_keys_answer(key: str, answer: str) -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmToolScreen)
        await pilot.press(key)
        await pilot.pause()
        assert app.answers == [answer]
        assert not isinstance(app.screen, ConfirmToolScreen)


@pytest.mark.parametrize(
    ("button", "answer"),
    [("#confirm-tool-once", "once"), ("#confirm-tool-always", "always"), ("#confirm-tool-deny", "deny")],
)
async def test_buttons_answer(button: str, answer: str) -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click(button)
        await pilot.pause()
        assert app.answers == [answer]


@pytest.mark.parametrize("size", [(100, 30), (40, 20)])
async def test_buttons_answer_at_any_size(size: tuple[int, int]) -> None:
    app = HostApp(call=ToolCall("c", "write_file", json.dumps({"text": "x\n" * 500})))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.click("#confirm-tool-deny")
        await pilot.pause()
        assert app.answers == ["deny"]


async def test_allow_once_has_focus_and_enter_presses_the_focused_button() -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "confirm-tool-once"
        await pilot.press("tab", "tab")
        assert app.focused is not None and app.focused.id == "confirm-tool-deny"
        await pilot.press("enter")
        await pilot.pause()
        assert app.answers == ["deny"]


async def test_shows_name_description_and_pretty_arguments_literally() -> None:
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Allow this tool call?" in text
        assert "run_shell" in text
        assert "[red]Use with" in text and "care[/red]." in text  # wrapped, not styled
        # Pretty-printed: one key a line, nested keys indented further.
        assert '   "command": "make [bold]all[/bold]\\u001b[31m",' in text
        assert '   "cwd": "/home/me/project",' in text
        assert '     "CI": "1"' in text
        assert "\x1b" not in text
        assert "Allow once" in text and "Always allow" in text and "Deny" in text
        # The keys are on the buttons.
        assert "enter" in text and "esc" in text


async def test_markup_and_control_characters_in_the_name_and_raw_arguments() -> None:
    call = ToolCall("c", "[b]tool[/b]", "not json [i]x[/i] \x1b[2J\x07")
    app = HostApp(call=call, description="\x1b[31mred\x1b[0m")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[b]tool[/b]" in text
        assert "not json [i]x[/i] ␛[2J␇" in text
        assert "␛[31mred␛[0m" in text
        assert "not valid JSON" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_no_arguments_and_no_description() -> None:
    app = HostApp(call=ToolCall("c", "get_time", ""), description=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "get_time" in text
        assert "(none)" in text
        assert not app.screen.query("#confirm-tool-description")


@pytest.mark.parametrize("size", [(100, 30), (40, 20), (60, 16)])
async def test_long_arguments_scroll_and_the_buttons_stay_on_screen(size: tuple[int, int]) -> None:
    script = "\n".join(f"echo line {i}" for i in range(200))
    app = HostApp(call=ToolCall("c", "run_shell", json.dumps({"lines": script.splitlines()})))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        arguments = screen.query_one("#confirm-tool-body")
        assert arguments.max_scroll_y > 0
        for button in screen.query(Button):
            assert screen.region.contains_region(button.region), button.id
        await pilot.press("down", "down", "pagedown")
        assert arguments.scroll_y > 2
        assert app.answers == []  # scrolling answers nothing


async def test_a_worker_can_wait_for_the_answer() -> None:
    """How the app uses it: the turn worker awaits push_screen_wait."""

    class WorkerApp(HostApp):
        def on_mount(self) -> None:
            self.ask()

        @work
        async def ask(self) -> None:
            answer = await self.push_screen_wait(ConfirmToolScreen(self.call, description=self.description))
            self.answers.append(answer)

    app = WorkerApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await app.workers.wait_for_complete()
        assert app.answers == ["always"]


def test_modal_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()

    assert snap_compare(HostApp(), terminal_size=(100, 30), run_before=run_before)


def test_modal_snapshot_narrow(snap_compare: Any) -> None:
    script = "\n".join(f"echo line {i}" for i in range(40))
    call = ToolCall("c", "run_shell", json.dumps({"command": "sh -c", "script": script.splitlines()}))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()

    assert snap_compare(HostApp(call=call), terminal_size=(40, 24), run_before=run_before)
