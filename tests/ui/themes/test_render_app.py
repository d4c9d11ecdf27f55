"""Every bundled theme renders the real main screen (log with every kind of message, tool
sidebar, prompt, footer) and the tool-confirmation modal without a style error, and the
theme's own colours reach the screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import parse_theme, register_themes

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp

THEMES = sorted(p.stem for p in (Path(__file__).resolve().parents[3] / "themes").glob("*.toml"))


SAMPLE_TIME = 1_750_000_000.0  # fixed, so snapshots do not depend on the clock


def sample_conversation() -> Conversation:
    conversation = Conversation(system_prompt="Be brief.", model="test-model")
    conversation.add(Message("user", "What's the weather in Lisbon? And count the r's in strawberry."))
    weather = ToolCall("call_1", "get_current_weather", '{"city": "Lisbon"}')
    count = ToolCall("call_2", "count_string", '{"text": "strawberry", "substring": "r"}')
    conversation.add(Message("assistant", None, tool_calls=[weather, count]))
    conversation.add(
        Message(
            "tool",
            '{"temperature": 21, "conditions": "sunny"}',
            tool_call_id="call_1",
            name="get_current_weather",
            activity=ToolActivity("ok", 0.4, weather.arguments),
        )
    )
    conversation.add(
        Message(
            "tool",
            "The user refused this call.",
            tool_call_id="call_2",
            name="count_string",
            activity=ToolActivity("refused", None, count.arguments),
        )
    )
    conversation.add(
        Message(
            "assistant",
            "It is **21 °C** and sunny in Lisbon. To count letters yourself:\n\n"
            "```python\ndef count(text: str, letter: str) -> int:\n    return text.count(letter)\n```\n",
        )
    )
    conversation.add(Message("user", "Thanks! One more?"))
    conversation.add(
        Message("assistant", "", status="error", status_detail="HTTP 502 from the server: bad gateway")
    )
    for message in conversation.messages:
        message.created = SAMPLE_TIME
    return conversation


def make_app(theme: str) -> ChatApp:
    from tui_chat.ui.app import ChatApp

    settings = Settings(api_key="sk-test", base_url="http://127.0.0.1:9/v1", tools_enabled=False)
    app = ChatApp(settings, conversation=sample_conversation(), freeze_gc=False)
    assert register_themes(app) == []
    app.theme = theme
    return app


@pytest.mark.parametrize("theme", THEMES)
async def test_main_screen_renders_in_theme(theme: str) -> None:
    from tui_chat.engine.conversation import ToolCall
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    app = make_app(theme)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == theme
        variables = app.get_css_variables()
        expected = parse_theme((Path(__file__).resolve().parents[3] / "themes" / f"{theme}.toml").read_text())
        for name in APP_VARIABLE_DEFAULTS:
            assert variables[name] == expected.variables[name], name
        screen_svg = app.export_screenshot()
        app.push_screen(ConfirmToolScreen(ToolCall("call_9", "delete_file", '{"path": "notes.txt"}')))
        await pilot.pause()
        modal_svg = app.export_screenshot()
    if not expected.ansi:
        # The theme's own colours are on screen: message backgrounds and the sidebar.
        for name in ("user-message-background", "assistant-message-background"):
            assert expected.variables[name].lower() in screen_svg.lower(), name
        assert expected.variables["tool-refused"].lower() in screen_svg.lower()
        assert "delete_file" in modal_svg


async def test_every_registered_theme_applies_to_the_running_app() -> None:
    """Textual's built-in themes too (their ANSI ones lack variables the app's styles use until
    register_themes fills them in)."""
    app = make_app("tui-midnight")
    async with app.run_test(size=(100, 30)) as pilot:
        for name in sorted(app.available_themes):
            app.theme = name
            await pilot.pause()
            assert app.theme == name
            assert set(APP_VARIABLE_DEFAULTS) <= set(app.get_css_variables())
