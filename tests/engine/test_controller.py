"""The chat controller through its protocols: a host that runs turns as plain asyncio tasks, and
listeners that record the one `ChatEvent` stream. Real SDK, real HTTP to the fake server."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import openai

from tests.engine.support import make_engine
from tests.fakeserver import FakeServer, text_reply
from tui_chat.engine.controller import ChatController
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import (
    ChatEvent,
    ConversationChanged,
    ConversationOpened,
    MessageAdded,
    MessagesRemoved,
    ResponseFinished,
    SendRefused,
    TextDelta,
    TurnClosed,
    TurnEnded,
    TurnStarted,
)


class TaskHost:
    """Runs the controller's turn as an asyncio task; never asked to confirm (no tools)."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []

    def run_turn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.append(task)
        return task

    async def confirm_tool(self, call: ToolCall) -> bool:
        raise AssertionError("no tool calls in these tests")

    async def wait(self) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)


def kinds(events: list[ChatEvent]) -> list[str]:
    """Event names, text deltas folded into one."""
    names: list[str] = []
    for event in events:
        name = type(event).__name__
        if not (name == "TextDelta" and names and names[-1] == name):
            names.append(name)
    return names


def controller_for(client: openai.AsyncOpenAI | None) -> tuple[ChatController, TaskHost, list[ChatEvent]]:
    host = TaskHost()
    engine = make_engine(client) if client is not None else None
    controller = ChatController(host, engine, Conversation(), not_ready="no API key: set OPENAI_API_KEY")
    events: list[ChatEvent] = []
    controller.subscribe(events.append)
    return controller, host, events


async def test_a_sent_message_and_its_reply_arrive_as_one_ordered_stream(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("Hello there"))
    controller, host, events = controller_for(api_client)
    seen_at_gate: list[int] = []

    async def gate() -> None:  # what the session saver does: hold the request back
        seen_at_gate.append(len(fake_server.chat_requests))

    controller.request_gates.append(gate)
    message = controller.send("hi")
    assert message is not None and controller.busy
    await host.wait()

    assert seen_at_gate == [0]  # the gate ran before the request went out
    assert kinds(events) == [
        "MessageAdded",
        "TurnStarted",
        "MessageAdded",
        "TextDelta",
        "ResponseFinished",
        "TurnEnded",
        "TurnClosed",
    ]
    first = events[0]
    assert isinstance(first, MessageAdded) and first.message is message and message.role == "user"
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Hello there"
    assert not controller.busy


async def test_regenerate_removes_the_old_reply_first_and_keeps_its_text_as_a_version(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("first answer"), text_reply("second answer"))
    controller, host, events = controller_for(api_client)
    user = controller.send("question")
    await host.wait()
    old_reply = controller.conversation.last("assistant")
    events.clear()

    assert controller.regenerate()
    await host.wait()

    removed = events[0]
    assert isinstance(removed, MessagesRemoved)
    assert removed.after is user and removed.messages == (old_reply,)
    assert isinstance(events[1], TurnStarted)
    reply = controller.conversation.last("assistant")
    assert reply is not None and reply.content == "second answer"
    assert reply.previous_versions == ["first answer"]
    assert [m.role for m in controller.conversation.messages] == ["user", "assistant"]


async def test_sending_an_edited_message_removes_the_old_exchange_then_adds_the_new_one(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("one"), text_reply("two"))
    controller, host, events = controller_for(api_client)
    old = controller.send("frist")
    await host.wait()
    assert controller.start_edit() == "frist"
    events.clear()

    new = controller.send("first")
    await host.wait()

    removed, added = events[0], events[1]
    assert isinstance(removed, MessagesRemoved) and removed.after is None
    assert removed.messages[0] is old
    assert isinstance(added, MessageAdded) and added.message is new
    assert [m.content for m in controller.conversation.messages] == ["first", "two"]


async def test_stopping_ends_the_turn_as_interrupted_then_closes_it(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("a slow reply " * 50, delay=0.05))
    controller, host, events = controller_for(api_client)
    controller.send("go")
    while not any(isinstance(e, TextDelta) for e in events):
        await asyncio.sleep(0.01)  # polling for a condition, not a fixed wait
    assert controller.stop()
    await host.wait()

    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and ended[0].status == "interrupted"
    assert isinstance(events[-1], TurnClosed)
    assert not any(isinstance(e, ResponseFinished) for e in events[events.index(ended[0]) :])
    assert not controller.busy


async def test_without_an_engine_sending_is_refused_and_nothing_is_added() -> None:
    controller, _host, events = controller_for(None)
    assert controller.send("hello") is None
    assert controller.conversation.messages == []
    assert events == [SendRefused("no API key: set OPENAI_API_KEY")]


async def test_opening_and_changing_a_conversation_are_events_too() -> None:
    controller, _host, events = controller_for(None)
    other = Conversation(messages=[Message(role="user", content="old")], model="m1")
    controller.open(other)
    controller.set_system_prompt("be brief")
    controller.set_model("m2")
    change = other.messages[-1]
    assert (change.role, change.content) == ("system", "be brief")  # mid-session: kept where it changed
    assert events == [
        ConversationOpened(other),
        MessageAdded(change),
        ConversationChanged(other),
        ConversationChanged(other),
    ]
    assert other.current_system_prompt == "be brief" and other.system_prompt is None and other.model == "m2"
    controller.set_system_prompt("")  # removed: one more change, and no prompt from here on
    assert (other.messages[-1].role, other.messages[-1].content) == ("system", "")
    assert not other.current_system_prompt
    empty = Conversation()
    controller.open(empty)
    controller.set_system_prompt("at the start")  # nothing said yet: it is the session's prompt
    assert empty.messages == [] and empty.system_prompt == "at the start"


async def test_a_failing_listener_does_not_stop_the_others() -> None:
    controller, _host, events = controller_for(None)

    def broken(event: ChatEvent) -> None:
        raise RuntimeError("boom")

    controller.listeners.insert(0, broken)
    controller.send("x")
    assert events == [SendRefused("no API key: set OPENAI_API_KEY")]
