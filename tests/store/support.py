"""Builders and fakes shared by the store tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall


def weather_conversation(title: str | None = None) -> Conversation:
    """A finished turn with a tool call: what a typical saved session holds."""
    conv = Conversation(system_prompt="You are terse.", model="gpt-4o-mini", title=title)
    conv.add(Message("user", "What's the weather in Paris today?"))
    conv.add(
        Message(
            "assistant",
            "",
            tool_calls=[ToolCall("call_1", "get_weather", '{"city": "Paris"}')],
            model="gpt-4o-mini",
        )
    )
    conv.add(
        Message(
            "tool",
            '{"temperature": 21, "sky": "sunny"}',
            tool_call_id="call_1",
            name="get_weather",
            activity=ToolActivity(status="ok", duration=0.42, arguments='{"city": "Paris"}'),
        )
    )
    conv.add(
        Message(
            "assistant",
            "It is sunny and 21 °C in Paris.",
            model="gpt-4o-mini",
            usage={"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59},
        )
    )
    return conv


def chat(*texts: str, model: str = "gpt-4o-mini") -> Conversation:
    """A plain conversation alternating user and assistant messages."""
    conv = Conversation(model=model)
    for i, text in enumerate(texts):
        conv.add(Message("user" if i % 2 == 0 else "assistant", text))
    return conv


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Timer:
    due: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class FakeScheduler:
    """Stands in for loop.call_later: timers fire only when the test says so."""

    clock: FakeClock
    timers: list[Timer] = field(default_factory=list)

    def __call__(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.clock.now + delay, callback)
        self.timers.append(timer)
        return timer

    def active(self) -> list[Timer]:
        return [t for t in self.timers if not t.cancelled]

    def run_due(self) -> int:
        fired = 0
        for timer in list(self.timers):
            if not timer.cancelled and timer.due <= self.clock.now:
                self.timers.remove(timer)
                timer.callback()
                fired += 1
        return fired


class WallClock:
    """A deterministic wall clock for created/updated: each call one second later."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now
