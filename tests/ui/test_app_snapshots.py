"""Snapshots of the main screen's states. Deterministic: fixed terminal size, cursor blink off, a
fixed clock for message times, conversations built in memory (no live durations or ports), a fixed
config path in the first-run text.

Regenerate deliberately after a Textual upgrade or a visual change:
    pytest tests/ui/test_app_snapshots.py --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.engine.conversation_tree import add_sibling, show_branch
from tui_chat.engine.events import TurnFailed
from tui_chat.ui import app as app_module
from tui_chat.ui.app import ChatApp
from tui_chat.ui.widgets import messages

SIZE = (120, 40)
NOW = 1_750_000_000.0


@pytest.fixture(autouse=True)
def fixed_world(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "clock", lambda timestamp: "12:34")
    monkeypatch.setenv("TUI_CHAT_CONFIG_DIR", "/home/you/.config/tui-chat")
    monkeypatch.setattr(app_module, "SIDEBAR_MIN_WIDTH", 100)


def snapshot_app(conversation: Conversation | None = None, *, configured: bool = True) -> ChatApp:
    settings = (
        Settings(base_url="http://localhost:11434/v1", api_key="k", model="llama3.2")
        if configured
        else Settings()
    )
    return ChatApp(settings, conversation=conversation, freeze_gc=False, save_sessions=False)


async def steady(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ChatApp)
    app.prompt.cursor_blink = False
    await pilot.pause()
    await app.chat_log.wait_settled()
    await pilot.pause()


TABLE_AND_CODE = """\
Here is the comparison:

| Language | Typing  | First release |
|----------|---------|---------------|
| Python   | dynamic | 1991          |
| Rust     | static  | 2015          |

A tiny example:

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

Anything else?"""


def mid_conversation() -> Conversation:
    conversation = Conversation(model="llama3.2")
    conversation.add(Message(role="user", content="Compare Python and Rust, with an example.", created=NOW))
    conversation.add(Message(role="assistant", content=TABLE_AND_CODE, model="llama3.2", created=NOW))
    conversation.add(Message(role="user", content="Thanks! [bold]Is this bold?[/bold]", created=NOW))
    return conversation


def with_tools() -> Conversation:
    conversation = Conversation(model="llama3.2")
    conversation.add(Message(role="user", content="What's the date and time?", created=NOW))
    calls = [ToolCall("call_a", "get_current_date", "{}"), ToolCall("call_b", "get_current_time", "{}")]
    conversation.add(Message(role="assistant", content="", tool_calls=calls, model="llama3.2", created=NOW))
    for call, result in zip(calls, ["2025-06-15", "14:05:09"], strict=True):
        conversation.add(
            Message(
                role="tool",
                content=result,
                tool_call_id=call.id,
                name=call.name,
                activity=ToolActivity(status="ok", duration=0.004, arguments="{}"),
                created=NOW,
            )
        )
    conversation.add(
        Message(
            role="assistant",
            content="It is **14:05** on **15 June 2025**.",
            model="llama3.2",
            created=NOW,
        )
    )
    return conversation


def test_first_run_snapshot(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(configured=False), terminal_size=SIZE, run_before=steady)


def test_empty_configured_snapshot(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steady)


def test_mid_conversation_table_and_code_snapshot(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(mid_conversation()), terminal_size=SIZE, run_before=steady)


def test_tool_calls_in_the_sidebar_snapshot(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(with_tools()), terminal_size=SIZE, run_before=steady)


def test_error_snapshot(snap_compare: Any) -> None:
    conversation = Conversation(model="llama3.2")
    conversation.add(Message(role="user", content="Hello?", created=NOW))

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.chat_log.handle_event(
            TurnFailed(
                "auth",
                "The server rejected the API key (401 Unauthorized). Check OPENAI_API_KEY or --api-key.",
            )
        )
        await steady(pilot)

    assert snap_compare(snapshot_app(conversation), terminal_size=SIZE, run_before=run_before)


def test_confirmation_modal_snapshot(snap_compare: Any) -> None:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    conversation = Conversation(model="llama3.2")
    conversation.add(Message(role="user", content="Count the letters in 'strawberry'.", created=NOW))

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ChatApp)
        await steady(pilot)
        call = ToolCall("call_1", "count_string", '{"string": "strawberry"}')
        app.push_screen(ConfirmToolScreen(call, description="Count the characters in a string."))
        await pilot.pause()

    assert snap_compare(snapshot_app(conversation), terminal_size=SIZE, run_before=run_before)


def test_narrow_terminal_hides_the_sidebar_snapshot(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(mid_conversation()), terminal_size=(80, 30), run_before=steady)


def with_versions() -> Conversation:
    """A question asked three ways (the second on screen, `‹ 2/3 ›`), its answer regenerated
    once (`‹ 2/2 ›`), and the reply selected in the focused log (the version keys in the footer)."""
    conversation = Conversation(model="llama3.2")
    first = conversation.add(Message("user", "What is a monad?", created=NOW))
    conversation.add(Message("assistant", "A monoid in the category of endofunctors.", created=NOW + 1))
    add_sibling(conversation, first.id, Message("user", "What is a monad, simply?", created=NOW + 2))
    answer = conversation.add(Message("assistant", "A box with a rule for chaining.", created=NOW + 3))
    latest = add_sibling(
        conversation, answer.id, Message("assistant", "A value with a context.", created=NOW + 4)
    )
    add_sibling(conversation, first.id, Message("user", "Monads in one line?", created=NOW + 5))
    conversation.add(Message("assistant", "flatMap.", created=NOW + 6))
    show_branch(conversation, latest.id)  # the second question, its latest answer
    return conversation


def test_a_message_with_versions_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await steady(pilot)
        app = pilot.app
        assert isinstance(app, ChatApp)
        app.chat_log.focus()
        await pilot.pause()

    conversation = with_versions()
    assert [m.content for m in conversation.messages] == [
        "What is a monad, simply?",
        "A value with a context.",
    ]
    assert snap_compare(snapshot_app(conversation), terminal_size=SIZE, run_before=run_before)
