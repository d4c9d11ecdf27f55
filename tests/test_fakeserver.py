"""The loopback test server speaks real HTTP and SSE that the official SDK accepts."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from typing import Any

import openai
import pytest

from tests.fakeserver import (
    FakeServer,
    chunk,
    error_reply,
    json_reply,
    long_markdown,
    sse_reply,
    text_reply,
    tool_calls_reply,
)


def _client(server: FakeServer, **kw: object) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url, api_key="test", max_retries=0, **kw)  # type: ignore[arg-type]


async def _collect(server: FakeServer, **kw: Any) -> list:
    async with _client(server) as client:
        stream = await client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True, **kw
        )
        return [c async for c in stream]


async def test_text_reply_streams_in_chunks_and_records_the_request(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Hello there", chunk_chars=4))
    chunks = await _collect(fake_server)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello there"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    req = fake_server.chat_requests[0]
    assert req.json["messages"] == [{"role": "user", "content": "hi"}]
    assert req.headers["authorization"] == "Bearer test"


async def test_usage_chunk_is_sent_when_asked_for(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("ok"))
    chunks = await _collect(fake_server, stream_options={"include_usage": True})
    assert chunks[-1].choices == []
    assert chunks[-1].usage.total_tokens > 0


async def test_tool_calls_reply_follows_the_openai_delta_shape(fake_server: FakeServer) -> None:
    fake_server.script(tool_calls_reply(("a", '{"x": 1}'), ("b", "{}"), interleave=True))
    chunks = await _collect(fake_server)
    deltas = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    first = deltas[0]
    assert (first.index, first.type, first.function.name, first.function.arguments) == (
        0,
        "function",
        "a",
        "",
    )
    assert first.id.startswith("call_")
    assert deltas[1].index == 1  # interleaved: the second call starts before the first finishes
    args: dict[int, str] = {}
    for d in deltas:
        args[d.index] = args.get(d.index, "") + (d.function.arguments or "")
    assert args == {0: '{"x": 1}', 1: "{}"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_malformed_data_line_reaches_the_client(fake_server: FakeServer) -> None:
    fake_server.script(sse_reply([chunk("a"), "{not json"]))
    with pytest.raises(json.JSONDecodeError):
        await _collect(fake_server)


async def test_drop_after_breaks_the_connection(fake_server: FakeServer) -> None:
    fake_server.script(sse_reply([chunk("a"), chunk("b"), chunk("c")], drop_after=1))
    with pytest.raises(openai.APIConnectionError):
        await _collect(fake_server)


async def test_stall_ends_with_a_read_timeout(fake_server: FakeServer) -> None:
    fake_server.script(sse_reply([chunk("a")], stall_after=1))
    async with _client(fake_server, timeout=0.3) as client:
        stream = await client.chat.completions.create(model="m", messages=[], stream=True)
        with pytest.raises(openai.APITimeoutError):
            async for _ in stream:
                pass
    assert await asyncio.to_thread(fake_server.chat_requests[0].wait_finished, 5)


async def test_error_reply_carries_status_and_headers(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(429, "slow down", headers={"Retry-After": "0"}))
    with pytest.raises(openai.RateLimitError) as info:
        await _collect(fake_server)
    assert info.value.response.headers["retry-after"] == "0"
    assert "slow down" in str(info.value)


async def test_a_tool_call_without_its_result_is_refused_as_openai_does(fake_server: FakeServer) -> None:
    call = {"id": "call_0", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages: list[Any] = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "user", "content": "well?"},
    ]
    async with _client(fake_server) as client:
        with pytest.raises(openai.BadRequestError) as info:
            await client.chat.completions.create(model="fake-model", messages=messages)
        assert "call_0" in str(info.value) and fake_server.chat_requests[-1].json is not None
        messages.insert(2, {"role": "tool", "tool_call_id": "call_0", "content": "42"})
        fake_server.script(text_reply("ok"))
        answered = await client.chat.completions.create(model="fake-model", messages=messages, stream=False)
    assert answered.choices[0].message.content == "ok"


async def test_json_reply_is_a_plain_body(fake_server: FakeServer) -> None:
    fake_server.script(json_reply({"id": "x", "object": "chat.completion", "choices": []}))
    assert await _collect(fake_server) == []


async def test_models_are_listed(fake_server: FakeServer) -> None:
    async with _client(fake_server) as client:
        models = await client.models.list()
    assert "fake-model" in [m.id for m in models.data]


def test_usable_from_sync_code(fake_server: FakeServer) -> None:
    with urllib.request.urlopen(fake_server.url + "/models", timeout=5) as resp:
        assert json.load(resp)["data"]


async def _demo(server: FakeServer, messages: list[Any], **kw: Any) -> list:
    async with _client(server) as client:
        stream = await client.chat.completions.create(model="m", messages=messages, stream=True, **kw)
        return [c async for c in stream]


_TOOLS = [{"type": "function", "function": {"name": "count_string", "parameters": {"type": "object"}}}]


async def test_demo_bot_echoes(fake_server: FakeServer) -> None:
    chunks = await _demo(fake_server, [{"role": "user", "content": "hello"}])
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("You said: hello")


async def test_demo_bot_calls_count_string_then_reports_the_result(fake_server: FakeServer) -> None:
    chunks = await _demo(
        fake_server, [{"role": "user", "content": "Count the characters in 'hello world'"}], tools=_TOOLS
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].function.name == "count_string"
    args = "".join(tc.function.arguments or "" for tc in calls)
    assert json.loads(args) == {"string": "hello world"}

    follow_up: list[dict[str, Any]] = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": calls[0].id,
                    "type": "function",
                    "function": {"name": "count_string", "arguments": args},
                }
            ],
        },
        {"role": "tool", "tool_call_id": calls[0].id, "content": "11"},
    ]
    chunks = await _demo(fake_server, follow_up, tools=_TOOLS)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "The tool returned: 11"


async def test_demo_bot_time_and_date_are_parallel_calls(fake_server: FakeServer) -> None:
    chunks = await _demo(fake_server, [{"role": "user", "content": "what time and date is it"}], tools=_TOOLS)
    starts = [
        tc.function.name for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or []) if tc.id
    ]
    assert starts == ["get_current_date", "get_current_time"]


async def test_demo_bot_weather_call(fake_server: FakeServer) -> None:
    chunks = await _demo(
        fake_server, [{"role": "user", "content": "What's the weather in Oslo?"}], tools=_TOOLS
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].function.name == "get_current_weather"
    assert json.loads("".join(tc.function.arguments or "" for tc in calls)) == {"location": "Oslo"}


async def test_demo_bot_long_reply_streams_many_small_chunks(fake_server: FakeServer) -> None:
    chunks = await _demo(fake_server, [{"role": "user", "content": "long 100 at 100000"}])
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 100 and all(len(p) <= 4 for p in pieces)
    assert "".join(pieces) == long_markdown(100)


def test_long_markdown_is_deterministic_and_roughly_sized() -> None:
    text = long_markdown(2000)
    assert text == long_markdown(2000)
    assert 8000 <= len(text) < 9000
    assert "```python" in text and "| column |" in text and "\n- " in text


def test_runs_as_a_separate_process() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeserver", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/models", timeout=5) as resp:
            assert json.load(resp)["data"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)
