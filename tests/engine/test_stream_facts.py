"""Issue 2's "stream assembly must survive real servers" list, each through the real SDK and HTTP."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.engine.support import (
    conversation_with,
    ended,
    failure,
    make_engine,
    of_type,
    registry_with,
    run_turn,
)
from tests.fakeserver import FakeServer, chunk, json_reply, sse_reply, text_reply, tool_calls_reply
from tui_chat.engine.events import (
    ResponseFinished,
    TextDelta,
    ToolCallCompleted,
    ToolResultReady,
)


def echo(**kwargs: Any) -> str:
    return json.dumps(kwargs, sort_keys=True)


@pytest.fixture
def tools() -> Any:
    return registry_with(("f", echo, "always"), ("g", echo, "always"))


def tc(index: Any = 0, id: Any = None, name: Any = None, arguments: Any = None) -> dict[str, Any]:
    delta: dict[str, Any] = {"index": index, "function": {}}
    if id is not None:
        delta |= {"id": id, "type": "function"}
    if name is not None:
        delta["function"]["name"] = name
    if arguments is not None:
        delta["function"]["arguments"] = arguments
    return delta


async def tool_turn(
    server: FakeServer, client: openai.AsyncOpenAI, tools: Any, events: list[Any], **sse: Any
) -> tuple[list[Any], Any]:
    """Script one raw tool-call response followed by a plain answer; run the turn."""
    server.script(sse_reply(events, **sse), text_reply("done"))
    conversation = conversation_with("go")
    result = await run_turn(make_engine(client, tools), conversation)
    return result, conversation


def results(events: list[Any]) -> list[tuple[str, str, str]]:
    return [(r.name, r.status, r.content) for r in of_type(events, ToolResultReady)]


# --- chunks that carry no delta -----------------------------------------------------------


async def test_empty_choices_and_missing_or_null_delta_do_not_disturb_the_reply(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    azure_first = {
        "id": "",
        "object": "",
        "created": 0,
        "model": "",
        "choices": [],
        "prompt_filter_results": [],
    }
    no_delta = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": None, "content_filter_results": {}}],
    }
    null_delta = chunk()
    null_delta["choices"][0]["delta"] = None
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    fake_server.script(
        sse_reply(
            [
                azure_first,
                chunk("Hi ", role="assistant"),
                no_delta,
                chunk("there"),
                chunk(finish_reason="stop"),
                null_delta,
                no_delta,
                {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "m",
                    "choices": [],
                    "usage": usage,
                },
            ]
        )
    )
    conversation = conversation_with("hi")
    events = await run_turn(make_engine(api_client), conversation)
    assert ended(events).status == "answered"
    assert ended(events).content == "Hi there"
    finished = of_type(events, ResponseFinished)
    assert [(f.finish_reason, f.usage and f.usage["total_tokens"]) for f in finished] == [("stop", 5)]
    assert conversation.messages[-1].status == "complete"
    assert fake_server.chat_requests[0].json["stream_options"] == {"include_usage": True}


# --- tool-call shapes ---------------------------------------------------------------------


async def test_standard_parallel_calls_sequential_and_interleaved(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    for interleave in (False, True):
        fake_server.script(
            tool_calls_reply(("f", '{"a": 1}'), ("g", '{"b": 2}'), interleave=interleave, fragment_chars=3),
            text_reply("done"),
        )
        events = await run_turn(make_engine(api_client, tools), conversation_with("go"))
        assert results(events) == [("f", "ok", '{"a": 1}'), ("g", "ok", '{"b": 2}')]
        assert ended(events).content == "done"


@pytest.mark.parametrize("first_index", [1, None, "missing"])
async def test_first_call_index_one_null_or_missing(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any, first_index: Any
) -> None:
    start, fragment = tc(first_index, "call_1", "f", ""), tc(first_index, arguments='{"a": 1}')
    if first_index == "missing":
        del start["index"], fragment["index"]
    events, _ = await tool_turn(
        fake_server,
        api_client,
        tools,
        [chunk(tool_calls=[start]), chunk(tool_calls=[fragment]), chunk(finish_reason="tool_calls")],
    )
    assert results(events) == [("f", "ok", '{"a": 1}')]


async def test_id_type_and_name_repeated_on_every_chunk(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    events, conversation = await tool_turn(
        fake_server,
        api_client,
        tools,
        [
            chunk(tool_calls=[tc(0, "call_1", "f", '{"a"')]),
            chunk(tool_calls=[tc(0, "call_1", "f", ": 1}")]),
            chunk(finish_reason="tool_calls"),
        ],
    )
    assert results(events) == [("f", "ok", '{"a": 1}')]
    (call,) = conversation.messages[1].tool_calls
    assert (call.id, call.name) == ("call_1", "f")


@pytest.mark.parametrize("arguments", ['{"a": 1}', {"a": 1}], ids=["as-text", "as-json-object"])
async def test_whole_call_in_one_chunk_with_arguments_as_text_or_object(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any, arguments: Any
) -> None:
    events, _ = await tool_turn(
        fake_server,
        api_client,
        tools,
        [chunk(tool_calls=[tc(0, "call_1", "f", arguments)], finish_reason="tool_calls")],
    )
    assert results(events) == [("f", "ok", '{"a": 1}')]
    sent_back = fake_server.chat_requests[1].json["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(sent_back) == {"a": 1}


async def test_empty_string_id_gets_a_generated_one_used_consistently(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    await tool_turn(
        fake_server,
        api_client,
        tools,
        [chunk(tool_calls=[tc(0, "", "f", "{}")]), chunk(finish_reason="tool_calls")],
    )
    messages = fake_server.chat_requests[1].json["messages"]
    call_id = messages[1]["tool_calls"][0]["id"]
    assert call_id and len(call_id) <= 40
    assert messages[2] == {"role": "tool", "tool_call_id": call_id, "content": "{}"}


async def test_parallel_calls_all_with_index_zero_but_different_ids(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    events, _ = await tool_turn(
        fake_server,
        api_client,
        tools,
        [
            chunk(tool_calls=[tc(0, "call_a", "f", "")]),
            chunk(tool_calls=[tc(0, arguments='{"a": 1}')]),
            chunk(tool_calls=[tc(0, "call_b", "g", "")]),
            chunk(tool_calls=[tc(0, arguments='{"b": 2}')]),
            chunk(finish_reason="tool_calls"),
        ],
    )
    assert results(events) == [("f", "ok", '{"a": 1}'), ("g", "ok", '{"b": 2}')]
    ids = [m.get("tool_call_id") for m in fake_server.chat_requests[1].json["messages"][2:]]
    assert ids == ["call_a", "call_b"]


async def test_id_changing_mid_call_does_not_split_it(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    events, _ = await tool_turn(
        fake_server,
        api_client,
        tools,
        [
            chunk(tool_calls=[tc(0, "call_a", "f", '{"a"')]),
            chunk(tool_calls=[tc(0, "call_zz", None, ": 1}")]),
            chunk(finish_reason="tool_calls"),
        ],
    )
    assert results(events) == [("f", "ok", '{"a": 1}')]


@pytest.mark.parametrize("finish", ["stop", "", None])
async def test_tools_run_whatever_the_finish_reason(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any, finish: str | None
) -> None:
    fake_server.script(tool_calls_reply(("f", '{"a": 1}'), finish_reason=finish), text_reply("done"))
    events = await run_turn(make_engine(api_client, tools), conversation_with("go"))
    assert results(events) == [("f", "ok", '{"a": 1}')]
    assert ended(events).status == "answered"


async def test_content_and_tool_calls_in_one_response(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    fake_server.script(tool_calls_reply(("f", "{}"), content="Let me look."), text_reply("done"))
    conversation = conversation_with("go")
    events = await run_turn(make_engine(api_client, tools), conversation)
    first = conversation.messages[1]
    assert (first.content, [c.name for c in first.tool_calls]) == ("Let me look.", ["f"])
    assert "".join(e.text for e in of_type(events, TextDelta)) == "Let me look.done"
    sent = fake_server.chat_requests[1].json["messages"][1]
    assert sent["content"] == "Let me look." and sent["tool_calls"][0]["function"]["arguments"] == "{}"


async def test_arguments_go_back_verbatim_and_content_null_beside_calls(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    raw = '{ "a" :1 ,"b":[1, 2]}'
    fake_server.script(tool_calls_reply(("f", raw)), text_reply("done"))
    await run_turn(make_engine(api_client, tools), conversation_with("go"))
    sent = fake_server.chat_requests[1].json["messages"][1]
    assert sent["content"] is None
    assert sent["tool_calls"][0]["function"]["arguments"] == raw


# --- broken streams: each a clear TurnFailed, the text so far kept ------------------------

BROKEN = [
    pytest.param(
        sse_reply([chunk("Hel"), chunk("lo"), {"error": {"message": "overloaded", "type": "server_error"}}]),
        "protocol",
        "overloaded",
        id="error-object-mid-stream",
    ),
    pytest.param(
        sse_reply([chunk("Hel"), chunk("lo"), chunk(" more")], drop_after=2),
        "connection",
        "dropped",
        id="dropped-connection",
    ),
    pytest.param(
        sse_reply([chunk("Hel"), chunk("lo"), "{not json"]), "protocol", "malformed", id="malformed-line"
    ),
    pytest.param(
        sse_reply([chunk("Hel"), chunk("lo")], done=False), "protocol", "ended early", id="no-done-no-finish"
    ),
]


@pytest.mark.parametrize(("reply", "kind", "words"), BROKEN)
async def test_broken_stream_fails_clearly_and_keeps_the_text(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, reply: Any, kind: str, words: str
) -> None:
    fake_server.script(reply)
    conversation = conversation_with("hi")
    events = await run_turn(make_engine(api_client), conversation)
    failed = failure(events)
    assert failed.kind == kind
    assert words in failed.message.lower()
    assert "\n" not in failed.message and "Traceback" not in failed.message
    assert ended(events).status == "error"
    reply_message = conversation.messages[-1]
    assert (reply_message.content, reply_message.status, reply_message.status_detail) == (
        "Hello",
        "error",
        failed.message,
    )


async def test_ok_status_whose_first_event_is_an_error(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(sse_reply([{"error": {"message": "model is loading", "code": 503}}]))
    events = await run_turn(make_engine(api_client), conversation_with("hi"))
    assert failure(events).kind == "protocol"
    assert "model is loading" in failure(events).message


async def test_stalled_stream_times_out_with_the_text_kept(fake_server: FakeServer) -> None:
    fake_server.script(sse_reply([chunk("Hel"), chunk("lo")], stall_after=2))
    async with openai.AsyncOpenAI(
        base_url=fake_server.url, api_key="k", max_retries=0, timeout=0.3
    ) as client:
        conversation = conversation_with("hi")
        events = await run_turn(make_engine(client), conversation)
    failed = failure(events)
    assert failed.kind == "timeout"
    assert "stalled" in failed.message and "0.3 s" in failed.message
    assert conversation.messages[-1].content == "Hello"
    assert conversation.messages[-1].status == "error"


async def test_done_without_finish_reason_is_a_normal_answer(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(sse_reply([chunk("Hello")], done=True))
    events = await run_turn(make_engine(api_client), conversation_with("hi"))
    assert ended(events).status == "answered"


async def test_old_tgi_numbers_its_only_choice_one_two_three(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    """Text Generation Inference before 1.4.4: one choice, its index counting up per chunk, the
    object "text_completion" and an empty id. The only choice is the reply, whatever its index."""

    def tgi(n: int, content: str | None, finish: str | None = None) -> dict[str, Any]:
        delta = {"role": "assistant", "content": content} if content is not None else {}
        choice = {"index": n, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {"id": "", "object": "text_completion", "created": 1, "model": "tgi", "choices": [choice]}

    events: list[dict[str, Any] | str] = [
        tgi(1, "Hel"),
        tgi(2, "lo "),
        tgi(3, "there"),
        tgi(4, None, "length"),
    ]
    fake_server.script(sse_reply(events))
    got = await run_turn(make_engine(api_client), conversation_with("hi"))
    assert "".join(e.text for e in of_type(got, TextDelta)) == "Hello there"
    (finished,) = of_type(got, ResponseFinished)
    assert finished.finish_reason == "length"  # the cut-off is not lost either
    assert ended(got).status == "cut_off" and ended(got).content == "Hello there"


async def test_plain_json_body_instead_of_a_stream(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(
        json_reply(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
                ],
            }
        )
    )
    events = await run_turn(make_engine(api_client), conversation_with("hi"))
    failed = failure(events)
    assert failed.kind == "protocol"
    assert "instead of a stream" in failed.message
    assert ended(events).status == "error"


@pytest.mark.parametrize(
    ("reason", "words"), [("length", "maximum length"), ("content_filter", "content filter")]
)
async def test_cut_off_reply_keeps_the_text_and_says_why(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, reason: str, words: str
) -> None:
    fake_server.script(text_reply("Once upon a", finish_reason=reason))
    conversation = conversation_with("story")
    events = await run_turn(make_engine(api_client), conversation)
    failed = failure(events)
    assert failed.kind == "cut_off" and "cut off" in failed.message and words in failed.message
    assert ended(events).status == "cut_off"
    assert of_type(events, ResponseFinished)[0].finish_reason == reason
    message = conversation.messages[-1]
    assert (message.content, message.status, message.status_detail) == (
        "Once upon a",
        "interrupted",
        failed.message,
    )


async def test_cut_off_tool_calls_are_not_run(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tools: Any
) -> None:
    fake_server.script(tool_calls_reply(("f", '{"a": 1'), finish_reason="length"))
    conversation = conversation_with("go")
    events = await run_turn(make_engine(api_client, tools), conversation)
    assert failure(events).kind == "cut_off"
    assert of_type(events, ToolResultReady) == [] and of_type(events, ToolCallCompleted) == []
    assert conversation.messages[-1].tool_calls == []  # nothing left unanswered for the API
