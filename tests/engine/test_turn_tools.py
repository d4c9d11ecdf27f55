"""The tool loop: policies, confirmation, concurrency, result order, round limit, legacy mode."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import openai

from tests.engine.support import (
    API_KEY,
    assert_valid_for_api,
    conversation_with,
    ended,
    failure,
    make_engine,
    of_type,
    registry_with,
    run_turn,
)
from tests.fakeserver import FakeServer, function_call_reply, text_reply, tool_calls_reply
from tui_chat.config import Settings
from tui_chat.engine.conversation import ToolCall
from tui_chat.engine.events import (
    MessageAdded,
    ResponseFinished,
    TextDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecutionStarted,
    ToolResultReady,
)
from tui_chat.tools.setup import build_registry


def echo(**kwargs: Any) -> str:
    return json.dumps(kwargs, sort_keys=True)


async def test_count_characters_end_to_end_with_the_builtin_tools(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    # No script: the demo bot asks for count_string, then reports what the tool returned.
    registry = build_registry(Settings()).registry
    conversation = conversation_with("count the characters in 'hello world'")
    events = await run_turn(make_engine(api_client, registry), conversation)

    (started,) = of_type(events, ToolCallStarted)
    assert started.name == "count_string"
    (completed,) = of_type(events, ToolCallCompleted)
    assert json.loads(completed.call.arguments) == {"string": "hello world"}
    (result,) = of_type(events, ToolResultReady)
    assert (result.status, result.content) == ("ok", "11")
    assert ended(events).status == "answered"
    assert ended(events).content == "The tool returned: 11"
    assert "".join(e.text for e in of_type(events, TextDelta)) == "The tool returned: 11"

    assert [m.role for m in conversation.messages] == ["user", "assistant", "tool", "assistant"]
    tool_message = conversation.messages[2]
    assert tool_message.activity is not None
    assert (tool_message.activity.status, tool_message.activity.arguments) == ("ok", completed.call.arguments)
    assert len(of_type(events, ResponseFinished)) == 2
    assert_valid_for_api(conversation)
    sent = fake_server.chat_requests[0].json
    assert "count_string" in [t["function"]["name"] for t in sent["tools"]]


async def test_event_order_of_one_tool_round(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    fake_server.script(tool_calls_reply(("f", "{}")), text_reply("ok"))
    events = await run_turn(
        make_engine(api_client, registry_with(("f", echo, "always"))), conversation_with("x")
    )
    kinds = [type(e).__name__ for e in events if not isinstance(e, TextDelta)]
    assert kinds == [
        "MessageAdded",
        "ToolCallStarted",
        "ToolCallArgumentsDelta",
        "ToolCallCompleted",
        "ResponseFinished",
        "ToolExecutionStarted",
        "MessageAdded",
        "ToolResultReady",
        "MessageAdded",
        "ResponseFinished",
        "TurnEnded",
    ]


async def test_parallel_calls_run_concurrently_and_report_in_call_order(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    first_running, second_running = asyncio.Event(), asyncio.Event()

    async def slow() -> str:  # finishes only once the other one is running too
        first_running.set()
        await second_running.wait()
        await asyncio.sleep(0)  # let the fast one finish first
        return "slow"

    async def fast() -> str:
        second_running.set()
        await first_running.wait()
        return "fast"

    registry = registry_with(("slow", slow, "always"), ("fast", fast, "always"), timeout=5)
    fake_server.script(tool_calls_reply(("slow", "{}"), ("fast", "{}")), text_reply("ok"))
    conversation = conversation_with("x")
    events = await run_turn(make_engine(api_client, registry), conversation)
    assert [(r.name, r.status, r.content) for r in of_type(events, ToolResultReady)] == [
        ("slow", "ok", "slow"),
        ("fast", "ok", "fast"),
    ]
    assert [m.name for m in conversation.messages if m.role == "tool"] == ["slow", "fast"]
    assert_valid_for_api(conversation)


async def test_policies_never_ask_with_and_without_confirm(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    registry = registry_with(("asked", echo, "ask"), ("banned", echo, "never"), ("free", echo, "always"))
    calls = [("asked", '{"q": 1}'), ("banned", "{}"), ("free", "{}")]
    asked: list[ToolCall] = []

    async def yes(call: ToolCall) -> bool:
        asked.append(call)
        return True

    async def no(call: ToolCall) -> bool:
        return False

    expectations = [
        (yes, ["ok", "refused", "ok"]),
        (no, ["refused", "refused", "ok"]),
        (None, ["refused", "refused", "ok"]),
    ]
    for confirm, statuses in expectations:
        fake_server.script(tool_calls_reply(*calls), text_reply("ok"))
        conversation = conversation_with("x")
        events = await run_turn(make_engine(api_client, registry), conversation, confirm=confirm)
        got = of_type(events, ToolResultReady)
        assert [r.status for r in got] == statuses
        assert [e.name for e in of_type(events, ToolExecutionStarted)] == [
            r.name for r in got if r.status == "ok"
        ]
        assert_valid_for_api(conversation)
        refusal = next(r for r in got if r.name == "asked")
        if confirm is not yes:
            assert "did not allow" in refusal.content and refusal.duration == 0
    assert [c.name for c in asked] == ["asked"]  # only the "ask" tool is asked about


async def test_a_call_that_cannot_run_is_reported_to_the_model_without_asking(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    registry = registry_with(("asked", echo, "ask"))
    asked: list[ToolCall] = []

    async def yes(call: ToolCall) -> bool:
        asked.append(call)
        return True

    for arguments, problem in (('{"q": 1', "not valid JSON"), ("[1, 2]", "must be a JSON object")):
        fake_server.script(tool_calls_reply(("asked", arguments)), text_reply("let me fix that"))
        conversation = conversation_with("x")
        events = await run_turn(make_engine(api_client, registry), conversation, confirm=yes)
        (result,) = of_type(events, ToolResultReady)
        assert result.status == "error" and problem in result.content
        assert of_type(events, ToolExecutionStarted) == []  # it did not run
        assert ended(events).status == "answered"
        assert fake_server.chat_requests[-1].json["messages"][-1]["content"] == result.content
        assert_valid_for_api(conversation)
    assert asked == []  # nothing to ask about: the call could not run anyway


async def test_unknown_tool_runs_and_tells_the_model(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(tool_calls_reply(("nope", "{}")), text_reply("sorry"))
    events = await run_turn(
        make_engine(api_client, registry_with(("f", echo, "ask"))), conversation_with("x")
    )
    (result,) = of_type(events, ToolResultReady)
    assert result.status == "error" and "Unknown function 'nope'" in result.content
    assert ended(events).status == "answered"
    assert fake_server.chat_requests[1].json["messages"][-1]["content"] == result.content


async def test_failing_tool_result_is_reported_and_the_turn_goes_on(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    def broken() -> str:
        raise RuntimeError("disk on fire")

    fake_server.script(tool_calls_reply(("broken", "{}")), text_reply("It failed."))
    conversation = conversation_with("x")
    events = await run_turn(
        make_engine(api_client, registry_with(("broken", broken, "always"))), conversation
    )
    (result,) = of_type(events, ToolResultReady)
    assert result.status == "error" and "disk on fire" in result.content
    tool_message = conversation.messages[2]
    assert tool_message.activity is not None and tool_message.activity.error == result.content
    assert ended(events).content == "It failed."


async def test_round_limit_stops_a_model_that_keeps_calling_tools(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(*[tool_calls_reply(("f", "{}")) for _ in range(3)])
    conversation = conversation_with("x")
    engine = make_engine(api_client, registry_with(("f", echo, "always")), max_tool_rounds=2)
    events = await run_turn(engine, conversation)
    failed = failure(events)
    assert failed.kind == "too_many_rounds" and "2 rounds" in failed.message
    assert ended(events).status == "cut_off"
    assert len(fake_server.chat_requests) == 3
    assert len(of_type(events, ToolResultReady)) == 2
    assert_valid_for_api(conversation)


async def test_tools_off_sends_no_tools(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    engine = make_engine(api_client, registry_with(("f", echo, "always")), use_tools=False, temperature=0.5)
    events = await run_turn(engine, conversation_with("hello"))
    assert ended(events).content.startswith("You said: hello")
    sent = fake_server.chat_requests[0].json
    assert "tools" not in sent and "functions" not in sent
    assert sent["temperature"] == 0.5


async def test_model_switch_between_turns(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    engine = make_engine(api_client)
    conversation = conversation_with("one")
    await run_turn(engine, conversation)
    engine.options.model = "fake-model-large"
    conversation.add(type(conversation.messages[0])(role="user", content="two"))
    await run_turn(engine, conversation)
    assert [r.json["model"] for r in fake_server.chat_requests] == ["fake-model", "fake-model-large"]
    assert conversation.messages[-1].model == "fake-model-large"
    assert [m["role"] for m in fake_server.chat_requests[1].json["messages"]] == ["user", "assistant", "user"]


async def test_legacy_functions_mode(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    fake_server.script(function_call_reply("f", '{"a": 1}'), text_reply("done"))
    conversation = conversation_with("x")
    engine = make_engine(api_client, registry_with(("f", echo, "always")), legacy_functions=True)
    events = await run_turn(engine, conversation)
    (result,) = of_type(events, ToolResultReady)
    assert (result.name, result.status, result.content) == ("f", "ok", '{"a": 1}')
    first, second = (r.json for r in fake_server.chat_requests)
    assert first["function_call"] == "auto" and first["functions"][0]["name"] == "f"
    assert "tools" not in first
    assert second["messages"][1:] == [
        {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": '{"a": 1}'}},
        {"role": "function", "name": "f", "content": '{"a": 1}'},
    ]
    assert ended(events).content == "done"


async def test_legacy_mode_with_the_demo_bot(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    registry = build_registry(Settings()).registry
    engine = make_engine(api_client, registry, legacy_functions=True)
    events = await run_turn(engine, conversation_with("count the characters in 'abc'"))
    assert ended(events).content == "The tool returned: 3"


async def test_the_api_key_never_appears_in_events_or_messages(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(tool_calls_reply(("f", "{}")))  # then the demo bot answers
    conversation = conversation_with("x")
    events = await run_turn(make_engine(api_client, registry_with(("f", echo, "always"))), conversation)
    assert API_KEY not in repr(events)
    assert API_KEY not in repr(conversation)
    assert any(isinstance(e, MessageAdded) for e in events)
