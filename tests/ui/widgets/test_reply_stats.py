"""The stats line under a reply, and the wording of the context-full choice."""

from __future__ import annotations

from tui_chat.engine.context_budget import ContextBudget
from tui_chat.engine.context_window import ContextWindow
from tui_chat.engine.conversation import Message, ReplyTiming
from tui_chat.ui.context_flow import overflow_message
from tui_chat.ui.widgets.reply_stats import stats_line


def test_exact_usage_with_reasoning_and_timing() -> None:
    usage = {
        "prompt_tokens": 1234,
        "completion_tokens": 520,
        "completion_tokens_details": {"reasoning_tokens": 180},
    }
    message = Message(role="assistant", content="x", usage=usage, timing=ReplyTiming(0.0, 1.1, 11.1))
    assert stats_line(message) == "in 1.2k · out 520 · reasoning 180 · 1.1 s to first token · 52 tok/s"


def test_without_usage_the_output_is_estimated_and_marked() -> None:
    message = Message(role="assistant", content="y" * 400, timing=ReplyTiming(0.0, 0.5, 2.5))
    assert stats_line(message) == "out ~100 · 0.5 s to first token · ~50 tok/s"


def test_a_reopened_reply_has_no_timing() -> None:
    message = Message(role="assistant", content="z", usage={"prompt_tokens": 10, "completion_tokens": 3})
    assert stats_line(message) == "in 10 · out 3"


def test_the_choice_warns_that_ollama_truncates_silently() -> None:
    budget = ContextBudget(9000, ContextWindow(2048, "server", truncates=True), estimated=True)
    text = overflow_message(budget)
    assert "about 9k tokens" in text and "2k" in text and "silently drops the oldest" in text
    assert "stays in the prompt" in text
