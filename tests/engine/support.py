"""Helpers shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import openai

from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import Event, TurnEnded, TurnFailed
from tui_chat.engine.turn import ChatEngine, Confirm, TurnOptions
from tui_chat.tools.registry import ToolRegistry

# A recognisable secret: no event or message may ever contain it.
API_KEY = "sk-test-SECRET-0123456789abcdef"

E = TypeVar("E")


def conversation_with(text: str) -> Conversation:
    conversation = Conversation()
    conversation.add(Message(role="user", content=text))
    return conversation


def make_engine(client: openai.AsyncOpenAI, tools: ToolRegistry | None = None, **options: Any) -> ChatEngine:
    return ChatEngine(client, tools, TurnOptions(model=options.pop("model", "fake-model"), **options))


async def run_turn(
    engine: ChatEngine, conversation: Conversation, confirm: Confirm | None = None
) -> list[Event]:
    return [event async for event in engine.run_turn(conversation, confirm=confirm)]


def of_type(events: list[Event], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def failure(events: list[Event]) -> TurnFailed:
    failures = of_type(events, TurnFailed)
    assert len(failures) == 1, events
    return failures[0]


def ended(events: list[Event]) -> TurnEnded:
    assert isinstance(events[-1], TurnEnded), events[-1]
    return events[-1]


def registry_with(*tools: tuple[str, Callable[..., Any], str], timeout: float = 5.0) -> ToolRegistry:
    """(name, fn, policy) each; fn takes keyword arguments matching a free-form object schema."""
    registry = ToolRegistry(default_timeout=timeout)
    for name, fn, policy in tools:
        schema = {"name": name, "description": f"test tool {name}", "parameters": {"type": "object"}}
        registry.add_function(schema, fn, policy=policy)  # type: ignore[arg-type]
    return registry


def assert_valid_for_api(conversation: Conversation) -> None:
    """Every assistant tool call is answered by exactly one tool message right after it."""
    api = conversation.to_api()
    for i, message in enumerate(api):
        calls = message.get("tool_calls") or []
        if not calls:
            continue
        answers = [m["tool_call_id"] for m in api[i + 1 : i + 1 + len(calls)] if m["role"] == "tool"]
        assert answers == [c["id"] for c in calls], api
