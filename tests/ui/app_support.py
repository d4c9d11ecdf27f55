"""Helpers for the app's pilot tests: an app wired to the loopback server, and waiting on
conditions instead of sleeping."""

from __future__ import annotations

import json
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from tests.fakeserver import FakeServer
from tests.waiting import wait_for as wait_for  # the pilot tests' wait, re-exported
from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.ui.app import ChatApp
from tui_chat.ui.widgets.chat_log import ChatLog
from tui_chat.ui.widgets.messages import AssistantMessage, ErrorMessage, UserMessage

SIZE = (120, 40)


def settings_for(server: FakeServer | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"model": "fake-model", "max_retries": 0, "timeout": 10.0}
    if server is not None:
        values.update(base_url=server.url, api_key="test-key")
    values.update(overrides)
    return Settings(**values)


def make_app(
    server: FakeServer | None,
    *,
    conversation: Conversation | None = None,
    **overrides: Any,
) -> ChatApp:
    return ChatApp(settings_for(server, **overrides), conversation=conversation, freeze_gc=False)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for the turn worker to end and every reply to finish its final render."""
    app = pilot.app
    assert isinstance(app, ChatApp)
    while True:
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            continue  # a stopped turn: wait for whatever else runs
        break
    await pilot.pause()
    await app.chat_log.wait_settled()
    await pilot.pause()


async def send(pilot: Pilot[Any], text: str) -> None:
    """Type `text` in the prompt and press Enter."""
    app = pilot.app
    assert isinstance(app, ChatApp)
    app.prompt.focus()
    app.prompt.insert(text)
    await pilot.press("enter")


def log_of(app: ChatApp) -> ChatLog:
    return app.chat_log


def replies(app: ChatApp) -> list[AssistantMessage]:
    return list(app.chat_log.query(AssistantMessage))


def user_views(app: ChatApp) -> list[UserMessage]:
    return list(app.chat_log.query(UserMessage))


def errors(app: ChatApp) -> list[ErrorMessage]:
    return list(app.chat_log.query(ErrorMessage))


def long_session(messages: int) -> Conversation:
    """A conversation of `messages` messages: question, tool call, tool result, answer, repeated.
    Used by the long-session tests and benchmarks/open_session.py."""
    conversation = Conversation(model="fake-model")
    for i in range(messages // 4):
        conversation.add(Message("user", f"Question {i}: what is {i} squared?"))
        call = ToolCall(f"call_{i}", "count_string", json.dumps({"string": "x" * (i % 7)}))
        conversation.add(Message("assistant", "", tool_calls=[call]))
        conversation.add(
            Message(
                "tool",
                str(i % 7),
                tool_call_id=call.id,
                name="count_string",
                activity=ToolActivity(status="ok", duration=0.01, arguments=call.arguments),
            )
        )
        conversation.add(Message("assistant", f"**{i} squared** is `{i * i}`.\n\n- checked\n- twice"))
    return conversation
