"""The recorder fed by real engine turns against the loopback server: what a user reopens
is what they saw, and nothing saved contains the API key."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakeserver import FakeServer, error_reply, text_reply, tool_calls_reply
from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.providers import make_client
from tui_chat.engine.turn import ChatEngine, TurnOptions
from tui_chat.store import SessionRecorder, SessionStore
from tui_chat.tools.setup import build_registry

SECRET = "sk-test-NEVER-SAVE-ME-0123456789abcdef"


async def run_recorded_turn(store: SessionStore, conv: Conversation, settings: Settings, prompt: str) -> None:
    engine = ChatEngine(
        make_client(settings), build_registry(settings).registry, TurnOptions(model=settings.model)
    )
    recorder = SessionRecorder(store, conv, provider=settings.provider)
    user = conv.add(Message("user", prompt))
    recorder.record_user_message(user).result(timeout=10)
    async for event in engine.run_turn(conv):
        recorder.handle(event)
    recorder.close()


async def test_a_tool_calling_turn_reopens_exactly_as_it_happened(
    fake_server: FakeServer, store: SessionStore
) -> None:
    settings = Settings(api_key=SECRET, base_url=fake_server.url, model="fake-model")
    fake_server.script(
        tool_calls_reply(("count_string", json.dumps({"string": "strawberry"}))),
        text_reply("There are 10 characters in strawberry."),
    )
    conv = Conversation(model=settings.model)

    await run_recorded_turn(store, conv, settings, "How long is strawberry?")

    reopened = store.load(conv.id)
    assert reopened.messages == conv.messages
    assert [m.role for m in reopened.messages] == ["user", "assistant", "tool", "assistant"]
    tool = reopened.messages[2]
    assert tool.activity is not None and tool.activity.status == "ok" and tool.content == "10"
    assert reopened.messages[1].tool_calls[0].name == "count_string"
    assert reopened.messages[3].status == "complete"
    assert reopened.title == "How long is strawberry?"


async def test_a_failed_turn_is_saved_without_the_api_key(
    fake_server: FakeServer, store: SessionStore, db_path: Path
) -> None:
    settings = Settings(api_key=SECRET, base_url=fake_server.url, model="fake-model")
    fake_server.script(error_reply(401, f"Incorrect API key provided: {SECRET}."))
    conv = Conversation(model=settings.model, system_prompt="Be brief.")

    await run_recorded_turn(store, conv, settings, "hello?")

    reply = store.load(conv.id).messages[-1]
    assert reply.status == "error" and reply.status_detail  # the failure is kept for the user
    store.close()
    stored = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())
    assert b"Be brief." in stored
    assert SECRET.encode() not in stored
