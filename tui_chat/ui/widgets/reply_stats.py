"""One dim line under a finished reply: tokens in / out (reasoning where reported), time to the
first token and tokens per second, e.g. `in 1.2k · out 340 · 1.1 s to first token · 52 tok/s`.

Built once when the reply finishes, from what the engine recorded on the message (its `usage`
and `timing`); nothing here runs while the reply streams. Without usage the output count is
estimated from the text (characters / 4) and marked `~`; a reopened session has no timing.
"""

from __future__ import annotations

from textual.widgets import Static

from tui_chat.engine.context_budget import compact_count, estimate_text, reasoning_tokens
from tui_chat.engine.conversation import Message


def stats_line(message: Message) -> str:
    usage = message.usage or {}
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    parts: list[str] = []
    if isinstance(prompt, int):
        parts.append(f"in {compact_count(prompt)}")
    estimated = not isinstance(completion, int)
    out = (
        completion
        if isinstance(completion, int)
        else estimate_text(message.content) + estimate_text(message.reasoning)
    )
    if out or not estimated:
        parts.append(f"out {'~' if estimated else ''}{compact_count(out)}")
    if (reasoning := reasoning_tokens(message.usage)) is not None:
        parts.append(f"reasoning {compact_count(reasoning)}")
    timing = message.timing
    if timing is not None and timing.to_first_token is not None:
        parts.append(f"{timing.to_first_token:.1f} s to first token")
        generating = timing.generating
        if generating and generating > 0.05 and out:
            parts.append(f"{'~' if estimated else ''}{out / generating:.0f} tok/s")
    return " · ".join(parts)


class ReplyStats(Static):
    """Hidden until `show_for` has something to say."""

    DEFAULT_CSS = """
    ReplyStats { color: $text-muted; height: auto; padding: 0 0 0 0; }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, classes="reply-stats")
        self.display = False

    def show_for(self, message: Message) -> None:
        line = stats_line(message) if message.status != "streaming" and message.role == "assistant" else ""
        self.update(line)
        self.display = bool(line)
