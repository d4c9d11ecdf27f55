"""Reasoning models: thinking streams in `reasoning_content` / `reasoning`, is kept, never sent back."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.engine.support import conversation_with, ended, make_engine, of_type, run_turn
from tests.fakeserver import FakeServer, chunk, sse_reply, text_reply
from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.conversation import Message
from tui_chat.engine.events import MessageAdded, ReasoningDelta, ResponseFinished, TextDelta, TurnEnded


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_assembler_reads_both_reasoning_fields(field: str) -> None:
    assembler = StreamAssembler("m1")
    first: dict[str, Any] = {field: "Let me "}
    second: dict[str, Any] = {field: "think."}
    chunks = [chunk(role="assistant", **first), chunk(**second), chunk("Hi")]
    events = [e for c in chunks for e in assembler.feed(c)]
    assert events == [ReasoningDelta("m1", "Let me "), ReasoningDelta("m1", "think."), TextDelta("m1", "Hi")]
    assert (assembler.reasoning, assembler.content) == ("Let me think.", "Hi")


def test_assembler_ignores_null_and_empty_reasoning() -> None:
    assembler = StreamAssembler("m1")
    raw = chunk("x")
    raw["choices"][0]["delta"].update(reasoning_content=None, reasoning="")
    assert assembler.feed(raw) == [TextDelta("m1", "x")]
    assert assembler.reasoning == ""


def test_reasoning_is_never_sent_to_the_api() -> None:
    message = Message(role="assistant", content="answer", reasoning="thoughts")
    assert "reasoning" not in str(message.to_api())


async def test_reasoning_then_content_through_the_sdk(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(
        sse_reply(
            [
                chunk(role="assistant", reasoning_content="The user "),
                chunk(reasoning_content="greets me."),
                chunk("Hello"),
                chunk(" there", finish_reason="stop"),
            ]
        ),
        text_reply("Again"),
    )
    conversation = conversation_with("hi")
    events = await run_turn(make_engine(api_client), conversation)

    kinds = [type(e) for e in events]
    assert kinds == [
        MessageAdded,
        ReasoningDelta,
        ReasoningDelta,
        TextDelta,
        TextDelta,
        ResponseFinished,
        TurnEnded,
    ]
    reply = conversation.messages[-1]
    assert (reply.reasoning, reply.content, reply.status) == (
        "The user greets me.",
        "Hello there",
        "complete",
    )
    assert "".join(e.text for e in of_type(events, ReasoningDelta)) == "The user greets me."

    conversation.add(Message(role="user", content="again"))
    await run_turn(make_engine(api_client), conversation)
    sent = fake_server.chat_requests[-1].json["messages"]
    assert sent[1] == {"role": "assistant", "content": "Hello there"}
    assert "reasoning" not in str(sent)


async def test_a_reply_with_only_reasoning_is_answered(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(sse_reply([chunk(role="assistant", reasoning="hmm"), chunk(finish_reason="stop")]))
    conversation = conversation_with("hi")
    events = await run_turn(make_engine(api_client), conversation)
    assert ended(events).status == "answered"
    assert conversation.messages[-1].reasoning == "hmm"
