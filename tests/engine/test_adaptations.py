"""The engine adapting to what it knows about a server (engine/quirks.py): skipping
stream_options without failing first, asking without streaming when tools are attached on a
server that cannot stream tool calls, with the same events either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

from tests.engine.support import (
    API_KEY,
    conversation_with,
    ended,
    make_engine,
    of_type,
    registry_with,
    run_turn,
)
from tests.fakeserver import FakeServer, error_reply, text_reply
from tui_chat.engine import quirks
from tui_chat.engine.events import (
    ResponseFinished,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolResultReady,
)
from tui_chat.engine.quirks import ServerQuirks


@pytest.fixture
def unstreamed_tools_server() -> Iterator[FakeServer]:
    server = FakeServer(quirks=["tools_not_streamed"])
    try:
        yield server
    finally:
        server.close()


def _client(server: FakeServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url, api_key=API_KEY, max_retries=0, timeout=5.0)


def _count_tool() -> tuple[str, Callable[..., Any], str]:
    return ("count_string", lambda string="": str(len(string)), "always")


async def test_saved_no_stream_options_skips_the_failed_first_try(fake_server: FakeServer) -> None:
    quirks.save(fake_server.url, "fake-model", ServerQuirks(stream_options=False))
    async with _client(fake_server) as client:
        engine = make_engine(client)
        assert engine.adaptations == [quirks.NO_STREAM_OPTIONS]  # known before the first request
        assert ended(await run_turn(engine, conversation_with("hi"))).status == "answered"
        assert engine.adaptations == [quirks.NO_STREAM_OPTIONS]
    assert ["stream_options" in r.json for r in fake_server.chat_requests] == [False]


async def test_a_refusal_learned_by_failing_is_saved_for_the_next_engine(fake_server: FakeServer) -> None:
    fake_server.script(
        error_reply(400, "Unrecognized request argument supplied: stream_options"), text_reply("a")
    )
    async with _client(fake_server) as client:
        await run_turn(make_engine(client), conversation_with("hi"))
        fresh = make_engine(client)  # e.g. the next `tui-chat ask`
        assert ended(await run_turn(fresh, conversation_with("hi"))).status == "answered"
        assert fresh.adaptations == [quirks.NO_STREAM_OPTIONS]
    assert ["stream_options" in r.json for r in fake_server.chat_requests] == [True, False, False]
    assert quirks.load(fake_server.url, "fake-model") == ServerQuirks(stream_options=False, source="engine")


async def test_another_model_on_the_same_server_is_not_adapted(fake_server: FakeServer) -> None:
    quirks.save(fake_server.url, "fake-model-large", ServerQuirks(stream_options=False))
    async with _client(fake_server) as client:
        engine = make_engine(client)
        await run_turn(engine, conversation_with("hi"))
        assert engine.adaptations == []
    assert fake_server.chat_requests[0].json["stream_options"] == {"include_usage": True}


async def test_tools_go_unstreamed_where_tool_calls_cannot_stream_with_the_same_events(
    unstreamed_tools_server: FakeServer,
) -> None:
    server = unstreamed_tools_server
    quirks.save(server.url, "fake-model", ServerQuirks(tool_calls="not_streamed"))
    async with _client(server) as client:
        engine = make_engine(client, registry_with(_count_tool()))
        events = await run_turn(engine, conversation_with("count the characters in 'strawberry'"))
        assert engine.adaptations == [quirks.TOOLS_WITHOUT_STREAMING]
    started = of_type(events, ToolCallStarted)
    assert [s.name for s in started] == ["count_string"]
    assert "".join(d.delta for d in of_type(events, ToolCallArgumentsDelta)) == '{"string": "strawberry"}'
    assert [c.call.arguments for c in of_type(events, ToolCallCompleted)] == ['{"string": "strawberry"}']
    assert [r.content for r in of_type(events, ToolResultReady)] == ["10"]
    assert [f.finish_reason for f in of_type(events, ResponseFinished)] == ["tool_calls", "stop"]
    assert "".join(t.text for t in of_type(events, TextDelta)) == "The tool returned: 10"
    assert ended(events).status == "answered"
    assert [r.json.get("stream") for r in server.chat_requests] == [False, False]
    # Usage comes with an unstreamed reply too.
    assert of_type(events, ResponseFinished)[0].usage is not None


async def test_without_tools_the_same_server_still_streams(unstreamed_tools_server: FakeServer) -> None:
    server = unstreamed_tools_server
    quirks.save(server.url, "fake-model", ServerQuirks(tool_calls="not_streamed"))
    async with _client(server) as client:
        events = await run_turn(make_engine(client), conversation_with("hello"))
    assert ended(events).content.startswith("You said: hello")
    assert server.chat_requests[0].json["stream"] is True


async def test_unknown_servers_are_not_adapted_and_a_bad_file_is_ignored(fake_server: FakeServer) -> None:
    quirks.quirks_file().parent.mkdir(parents=True, exist_ok=True)
    quirks.quirks_file().write_text("{not json", encoding="utf-8")
    async with _client(fake_server) as client:
        engine = make_engine(client)
        assert ended(await run_turn(engine, conversation_with("hi"))).status == "answered"
        assert engine.adaptations == []


async def test_repeated_ids_and_names_and_a_legacy_mirror_make_one_call(fake_server: FakeServer) -> None:
    server = FakeServer(quirks=["repeated_tool_ids", "function_call_mirror"])
    try:
        async with _client(server) as client:
            engine = make_engine(client, registry_with(_count_tool()))
            events = await run_turn(engine, conversation_with("count the characters in 'strawberry'"))
    finally:
        server.close()
    assert [(c.call.name, c.call.arguments) for c in of_type(events, ToolCallCompleted)] == [
        ("count_string", '{"string": "strawberry"}')
    ]
    assert ended(events).content == "The tool returned: 10"


def test_the_quirks_file_survives_partial_and_wrong_entries() -> None:
    path = quirks.quirks_file()
    quirks.save("http://a/v1/", "m", ServerQuirks(stream_options=False, context_window=4096))
    quirks.save("http://b/v1", "m", ServerQuirks(tool_calls="repeated"))
    assert quirks.load("http://a/v1", "m") == ServerQuirks(stream_options=False, context_window=4096)
    assert quirks.load("http://b/v1/", "m") == ServerQuirks(tool_calls="repeated")
    assert quirks.load("http://a/v1", "other") is None
    assert not list(path.parent.glob(".quirks-*"))  # no temporary file left behind
    assert (
        ServerQuirks.from_json({"stream_options": "no", "context_window": -1, "new_field": 1})
        == ServerQuirks()
    )
