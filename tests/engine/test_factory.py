"""One place builds the engine from settings: the app and `tui-chat ask` agree on it."""

from __future__ import annotations

from pathlib import Path

from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message, ToolCall, answered_calls, tool_results
from tui_chat.engine.factory import build_engine
from tui_chat.tools.registry import ToolRegistry


def test_tools_are_offered_only_when_enabled_and_a_registry_exists(isolated_dirs: dict[str, Path]) -> None:
    on = build_engine(Settings(api_key="k"))
    assert on.engine is not None and on.registry is not None
    assert on.engine.options.use_tools

    off = build_engine(Settings(api_key="k", tools_enabled=False))
    assert off.engine is not None and off.registry is None
    assert not off.engine.options.use_tools

    # A registry handed in (tests, embedding) does not switch tools back on: the setting wins.
    given = build_engine(Settings(api_key="k", tools_enabled=False), registry=ToolRegistry())
    assert given.engine is not None and not given.engine.options.use_tools


def test_the_app_and_ask_build_the_same_turn_options(isolated_dirs: dict[str, Path]) -> None:
    from tui_chat.ui.app import ChatApp

    settings = Settings(api_key="k", model="m", temperature=0.3, tools_enabled=False, max_tool_rounds=3)
    app = ChatApp(settings, save_sessions=False)
    assert app.controller.engine is not None
    assert app.controller.engine.options == build_engine(settings).engine.options  # type: ignore[union-attr]


def test_without_a_key_there_is_no_engine_and_it_says_why(isolated_dirs: dict[str, Path]) -> None:
    setup = build_engine(Settings(api_key=None, provider="azure"))
    assert setup.engine is None and "Azure" in setup.not_ready


def test_results_pair_by_id_then_by_name_then_in_order() -> None:
    calls = [ToolCall("c1", "alpha", "{}"), ToolCall("c2", "beta", "{}"), ToolCall("c3", "gamma", "{}")]
    assistant = Message(role="assistant", tool_calls=calls)
    by_id = Message(role="tool", tool_call_id="c3", name="gamma", content="3")
    legacy_named = Message(role="function", name="beta", content="2")  # no id: by name
    legacy_other = Message(role="function", name="unknown", content="1")  # nothing matches: in order
    # Ids repeat across rounds: the second round's `c1` answers the second assistant message.
    second = Message(role="assistant", tool_calls=[ToolCall("c1", "alpha", "{}")])
    again = Message(role="tool", tool_call_id="c1", content="again")
    conversation = Conversation(messages=[assistant, by_id, legacy_named, legacy_other, second, again])

    assert answered_calls(conversation.messages) == {
        by_id.id: (assistant.id, "c3"),
        legacy_named.id: (assistant.id, "c2"),
        legacy_other.id: (assistant.id, "c1"),
        again.id: (second.id, "c1"),
    }
    assert tool_results(conversation.messages)[second.id] == {"c1": again}
