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
from tui_chat.engine.conversation_tree import Branching
from tui_chat.engine.events import (
    BranchSwitched,
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


async def test_regenerate_cuts_the_old_reply_from_the_path_and_keeps_it_as_a_sibling(
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
    tree = controller.conversation.tree
    assert [m.content for m in tree.siblings(reply.id)] == ["first answer", "second answer"]
    assert tree.branching(reply.id) == Branching(2, 2)
    assert [m.role for m in controller.conversation.messages] == ["user", "assistant"]


async def test_sending_an_edited_message_cuts_the_old_exchange_then_adds_its_sibling(
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
    assert [m.content for m in controller.conversation.tree.siblings(new.id)] == ["frist", "first"]
    assert controller.conversation.tree.children(old.id)[0].content == "one"  # kept below it


async def test_any_user_message_can_be_edited_and_any_reply_regenerated(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("a1"), text_reply("a2"), text_reply("a1 again"), text_reply("b"))
    controller, host, _ = controller_for(api_client)
    first = controller.send("q1")
    assert first is not None
    await host.wait()
    controller.send("q2")
    await host.wait()
    first_reply = controller.conversation.messages[1]

    assert controller.regenerate(first_reply)  # not the last reply
    await host.wait()
    assert [m.content for m in controller.conversation.messages] == ["q1", "a1 again"]
    assert fake_server.chat_requests[2].json["messages"] == [{"role": "user", "content": "q1"}]
    assert controller.start_edit(first) == "q1"  # not the last question
    controller.send("q1 edited")
    await host.wait()

    conversation = controller.conversation
    assert [m.content for m in conversation.messages] == ["q1 edited", "b"]
    assert [m.content for m in conversation.tree.siblings(first.id)] == ["q1", "q1 edited"]
    assert [m.content for m in conversation.tree.children(first.id)] == ["a1", "a1 again"]
    assert len(conversation.tree) == 7  # nothing was deleted


async def test_switching_a_branch_emits_where_it_changed_and_is_refused_while_busy(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("one"), text_reply("two"), text_reply("slow " * 40, delay=0.05))
    controller, host, events = controller_for(api_client)
    user = controller.send("q")
    await host.wait()
    assert controller.regenerate()
    await host.wait()
    second = controller.conversation.messages[1]
    events.clear()

    assert controller.switch_branch(second, -1)
    (switched,) = events
    assert isinstance(switched, BranchSwitched)
    assert switched.after is user and switched.message.content == "one"
    assert [m.content for m in controller.conversation.messages] == ["q", "one"]
    assert not controller.switch_branch(switched.message, -1)  # past the first

    controller.send("more")
    while not any(isinstance(e, TextDelta) for e in events):
        await asyncio.sleep(0.01)  # polling for a condition, not a fixed wait
    assert not controller.switch_branch(switched.message, +1)  # the reply streams under it
    assert not controller.regenerate(switched.message)
    await host.wait()
    assert [m.content for m in controller.conversation.messages][:2] == ["q", "one"]


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
