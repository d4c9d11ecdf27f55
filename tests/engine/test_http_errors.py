"""HTTP failures become one human line with a kind; the key is never repeated back."""

from __future__ import annotations

import socket
from typing import Any

import openai
import pytest

from tests.engine.support import API_KEY, conversation_with, ended, failure, make_engine, run_turn
from tests.fakeserver import FakeServer, error_reply, text_reply
from tui_chat.engine.events import RequestRetrying

CASES = [
    pytest.param(
        error_reply(401, f"Incorrect API key provided: {API_KEY}."), "auth", ["401", "--api-key"], id="401"
    ),
    pytest.param(error_reply(403, "Forbidden"), "auth", ["403"], id="403"),
    pytest.param(
        error_reply(404, "The model `nope` does not exist"),
        "not_found",
        ["404", "'fake-model'", "does not exist", "model name"],
        id="404",
    ),
    pytest.param(
        error_reply(429, "Rate limit reached", headers={"Retry-After": "0"}),
        "rate_limit",
        ["429", "Rate limit reached", "try again"],
        id="429",
    ),
    pytest.param(error_reply(500, "Internal error"), "server", ["500", "later"], id="500"),
    pytest.param(error_reply(400, "context too long"), "bad_request", ["400", "context too long"], id="400"),
]


@pytest.mark.parametrize(("reply", "kind", "words"), CASES)
async def test_status_errors_are_one_human_line(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, reply: Any, kind: str, words: list[str]
) -> None:
    fake_server.script(reply)
    conversation = conversation_with("hi")
    events = await run_turn(make_engine(api_client), conversation)
    failed = failure(events)
    assert failed.kind == kind
    for word in words:
        assert word in failed.message
    assert "\n" not in failed.message and "Traceback" not in failed.message
    assert API_KEY not in repr(events) and API_KEY not in repr(conversation)
    assert ended(events).status == "error"
    assert conversation.messages[-1].status == "error"


async def test_429_with_retry_after_is_retried_by_the_sdk(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(429, "slow down", headers={"Retry-After": "0"}), text_reply("finally"))
    async with openai.AsyncOpenAI(base_url=fake_server.url, api_key="k", max_retries=1, timeout=5) as client:
        events = await run_turn(make_engine(client), conversation_with("hi"))
    assert ended(events).content == "finally"
    assert len(fake_server.chat_requests) == 2


async def test_a_retry_is_an_event_with_the_servers_retry_after(fake_server: FakeServer) -> None:
    fake_server.script(
        error_reply(429, "slow down", headers={"Retry-After": "1"}),
        error_reply(503, "busy", headers={"Retry-After": "0"}),
        text_reply("finally"),
    )
    async with openai.AsyncOpenAI(base_url=fake_server.url, api_key="k", max_retries=2, timeout=5) as client:
        events = await run_turn(make_engine(client), conversation_with("hi"))
    retries = [e for e in events if isinstance(e, RequestRetrying)]
    assert [(r.attempt, r.attempts, r.reason) for r in retries] == [
        (1, 2, "rate limited"),
        (2, 2, "server error 503"),
    ]
    assert retries[0].delay == 1.0 and retries[0].notice == "rate limited, retrying in 1 s (1 of 2)"
    assert 0.3 <= retries[1].delay <= 1.0  # no usable Retry-After: the back-off
    assert ended(events).content == "finally"
    assert len(fake_server.chat_requests) == 3


async def test_no_retry_when_the_server_says_so_or_asks_too_long(fake_server: FakeServer) -> None:
    fake_server.script(
        error_reply(429, "no", headers={"x-should-retry": "false"}),
        error_reply(429, "later", headers={"Retry-After": "600"}),
    )
    async with openai.AsyncOpenAI(base_url=fake_server.url, api_key="k", max_retries=2, timeout=5) as client:
        for _ in range(2):
            events = await run_turn(make_engine(client), conversation_with("hi"))
            assert not [e for e in events if isinstance(e, RequestRetrying)]
            assert failure(events).kind == "rate_limit"
    assert len(fake_server.chat_requests) == 2


async def test_unreachable_server_says_where_it_tried() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    async with openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0, timeout=2) as client:
        events = await run_turn(make_engine(client), conversation_with("hi"))
    failed = failure(events)
    assert failed.kind == "connection"
    assert f"127.0.0.1:{port}" in failed.message and "running" in failed.message


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, "Unrecognized request argument supplied: stream_options"), (422, "stream_options: extra inputs")],
)
async def test_stream_options_rejected_retries_once_without_and_remembers(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, status: int, message: str
) -> None:
    fake_server.script(
        error_reply(status, message),
        text_reply("first"),
        text_reply("second"),
    )
    engine = make_engine(api_client)
    conversation = conversation_with("hi")
    assert ended(await run_turn(engine, conversation)).content == "first"
    conversation.add(type(conversation.messages[0])(role="user", content="again"))
    assert ended(await run_turn(engine, conversation)).content == "second"
    sent = [r.json for r in fake_server.chat_requests]
    assert [("stream_options" in body) for body in sent] == [True, False, False]


async def test_other_400s_are_not_retried(fake_server: FakeServer, api_client: openai.AsyncOpenAI) -> None:
    fake_server.script(error_reply(400, "messages: too long"))
    events = await run_turn(make_engine(api_client), conversation_with("hi"))
    assert failure(events).kind == "bad_request"
    assert len(fake_server.chat_requests) == 1
