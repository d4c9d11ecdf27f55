"""Stopping a turn: the HTTP stream closes at once, the partial reply stays, the conversation
stays valid for the next request, and CancelledError reaches the caller."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import openai
import pytest

from tests.engine.support import (
    assert_valid_for_api,
    conversation_with,
    ended,
    make_engine,
    of_type,
    registry_with,
    run_turn,
)
from tests.fakeserver import FakeServer, chunk, sse_reply, text_reply, tool_calls_reply
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import Event, TextDelta, ToolExecutionStarted, ToolResultReady
from tui_chat.engine.turn import ChatEngine, Confirm


async def cancel_when(
    engine: ChatEngine,
    conversation: Conversation,
    condition: Callable[[list[Event]], bool],
    confirm: Confirm | None = None,
    reached: asyncio.Event | None = None,
) -> list[Event]:
    """Consume the turn in a task (like the UI's worker) and cancel it once `condition` holds
    after an event, or once `reached` is set from elsewhere."""
    events: list[Event] = []
    reached = reached or asyncio.Event()

    async def consume() -> None:
        async for event in engine.run_turn(conversation, confirm=confirm):
            events.append(event)
            if condition(events):
                reached.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(5):
        await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return events


def text_deltas(n: int) -> Callable[[list[Event]], bool]:
    return lambda events: len(of_type(events, TextDelta)) >= n


async def test_cancel_mid_stream_closes_the_stream_and_keeps_the_partial_reply(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    # The server sends two chunks, then holds the connection open until the client hangs up.
    fake_server.script(sse_reply([chunk("Hel", role="assistant"), chunk("lo")], stall_after=2))
    conversation = conversation_with("hi")
    await cancel_when(make_engine(api_client), conversation, text_deltas(2))

    request = fake_server.chat_requests[0]
    assert await asyncio.to_thread(request.wait_finished, 5)
    assert request.disconnected

    partial = conversation.messages[-1]
    assert (partial.role, partial.content, partial.status, partial.status_detail) == (
        "assistant",
        "Hello",
        "interrupted",
        "stopped",
    )

    # The conversation can be sent again as it is.
    conversation.add(Message(role="user", content="go on"))
    fake_server.script(text_reply("Continuing."))
    events = await run_turn(make_engine(api_client), conversation)
    assert ended(events).content == "Continuing."
    assert [m["role"] for m in fake_server.chat_requests[1].json["messages"]] == ["user", "assistant", "user"]
    assert fake_server.chat_requests[1].json["messages"][1]["content"] == "Hello"


async def test_closing_the_event_iterator_also_stops_the_stream(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(sse_reply([chunk("Hel"), chunk("lo")], stall_after=2))
    conversation = conversation_with("hi")
    async with contextlib.aclosing(make_engine(api_client).run_turn(conversation)) as events:
        async for event in events:
            if isinstance(event, TextDelta) and event.text == "lo":
                break
    assert await asyncio.to_thread(fake_server.chat_requests[0].wait_finished, 5)
    assert fake_server.chat_requests[0].disconnected
    assert (conversation.messages[-1].content, conversation.messages[-1].status) == ("Hello", "interrupted")


async def test_cancel_while_tools_run_answers_every_call(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    tool_cancelled = asyncio.Event()

    def quick() -> str:
        return "quick result"

    async def hang() -> str:
        try:
            await asyncio.Event().wait()
        finally:
            tool_cancelled.set()
        return "never"

    registry = registry_with(("quick", quick, "always"), ("hang", hang, "always"))
    fake_server.script(tool_calls_reply(("quick", "{}"), ("hang", "{}"), content="Checking."))
    conversation = conversation_with("x")
    events = await cancel_when(
        make_engine(api_client, registry), conversation, lambda ev: len(of_type(ev, ToolResultReady)) == 1
    )
    assert [e.name for e in of_type(events, ToolExecutionStarted)] == ["quick", "hang"]
    assert tool_cancelled.is_set()  # the running tool was cancelled, not left behind

    tools = [
        (m.name, m.activity.status if m.activity else None) for m in conversation.messages if m.role == "tool"
    ]
    assert tools == [("quick", "ok"), ("hang", "stopped")]  # stopped by the user, not refused
    assert_valid_for_api(conversation)
    assert conversation.messages[1].content == "Checking."


async def test_cancel_while_waiting_for_confirmation(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    asked = asyncio.Event()

    async def never_answers(call: ToolCall) -> bool:
        asked.set()
        await asyncio.Event().wait()
        return True

    registry = registry_with(("a", lambda: "x", "ask"), ("b", lambda: "y", "ask"))
    fake_server.script(tool_calls_reply(("a", "{}"), ("b", "{}")))
    conversation = conversation_with("x")
    events: list[Any] = await cancel_when(
        make_engine(api_client, registry), conversation, lambda _: False, confirm=never_answers, reached=asked
    )
    assert of_type(events, ToolExecutionStarted) == []
    assert [m.activity.status for m in conversation.messages if m.role == "tool" and m.activity] == [
        "stopped",
        "stopped",
    ]
    assert_valid_for_api(conversation)


async def test_cancel_before_any_text_leaves_nothing_to_send(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(sse_reply([chunk(role="assistant", content="")], stall_after=1))
    conversation = conversation_with("hi")
    await cancel_when(make_engine(api_client), conversation, lambda ev: len(ev) >= 1)
    assert conversation.messages[-1].status == "interrupted"
    assert conversation.to_api() == [{"role": "user", "content": "hi"}]
