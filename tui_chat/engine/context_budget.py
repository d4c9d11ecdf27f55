"""How full the context of the next request is, what each reply used, and the session's totals.
Pure arithmetic over the conversation: nothing here runs per streamed token.

The budget of the next request is the system prompt, the tool schemas and the history that is
about to be sent. The last reply on the path that reported `usage` gives an exact base: its
`prompt_tokens` (everything sent with it, schemas included) plus its `completion_tokens` (the
reply itself, which is sent back). What was added after it (tool results, a new user message)
is estimated, and so is everything when no reply reported usage (llama-cpp-python, a server
that ignores `stream_options`). The estimate: ceil(characters / 4) per text, plus
`MESSAGE_OVERHEAD` tokens per message for the chat template's role markers. It is cheap, needs
no tokenizer download, and is marked estimated wherever it shows (`~`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.context_window import ContextWindow, Prices
from tui_chat.engine.conversation import Conversation, Message

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # role and separator tokens a chat template adds per message

WARN_AT = 0.75
DANGER_AT = 0.90


def estimate_text(text: str | None) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_message(message: Message) -> int:
    tokens = MESSAGE_OVERHEAD + estimate_text(message.content)
    for call in message.tool_calls:
        tokens += estimate_text(call.name) + estimate_text(call.arguments) + MESSAGE_OVERHEAD
    return tokens


def estimate_tools(schemas: Sequence[dict[str, Any]] | None) -> int:
    return estimate_text(json.dumps(list(schemas), separators=(",", ":"))) if schemas else 0


@dataclass(frozen=True)
class ContextBudget:
    used: int
    window: ContextWindow
    estimated: bool  # True when any part of `used` is an estimate

    @property
    def fraction(self) -> float | None:
        return self.used / self.window.tokens if self.window.tokens else None

    @property
    def level(self) -> str:
        """ "ok", "warn" (75 %) or "danger" (90 %): the meter's colour."""
        fraction = self.fraction
        if fraction is None or fraction < WARN_AT:
            return "ok"
        return "danger" if fraction >= DANGER_AT else "warn"

    @property
    def overflows(self) -> bool:
        return self.window.tokens is not None and self.used > self.window.tokens

    def to_json(self) -> dict[str, Any]:
        return {"used": self.used, "window": self.window.tokens, "estimated": self.estimated}


def measure(
    conversation: Conversation,
    window: ContextWindow,
    *,
    tool_schemas: Sequence[dict[str, Any]] | None = None,
    pending: str | None = None,
) -> ContextBudget:
    """The budget of the next request on `conversation`; `pending` is a prompt not added yet."""
    messages = conversation.messages
    base_at = next(
        (i for i in range(len(messages) - 1, -1, -1) if _prompt_tokens(messages[i]) is not None), None
    )
    if base_at is None:
        used = estimate_tools(tool_schemas) + sum(estimate_message(m) for m in messages)
        if conversation.system_prompt:
            used += MESSAGE_OVERHEAD + estimate_text(conversation.system_prompt)
        estimated = True
    else:
        base = messages[base_at]
        used = (_prompt_tokens(base) or 0) + _completion_tokens(base)
        after = messages[base_at + 1 :]
        used += sum(estimate_message(m) for m in after)
        estimated = bool(after)
    if pending is not None:
        used += MESSAGE_OVERHEAD + estimate_text(pending)
        estimated = True
    return ContextBudget(used, window, estimated)


def _prompt_tokens(message: Message) -> int | None:
    value = (message.usage or {}).get("prompt_tokens") if message.role == "assistant" else None
    return value if isinstance(value, int) and value > 0 else None


def _completion_tokens(message: Message) -> int:
    value = (message.usage or {}).get("completion_tokens")
    return value if isinstance(value, int) else 0


def reasoning_tokens(usage: dict[str, Any] | None) -> int | None:
    """OpenAI's `completion_tokens_details.reasoning_tokens`, where the server reports it."""
    details = (usage or {}).get("completion_tokens_details")
    value = details.get("reasoning_tokens") if isinstance(details, dict) else None
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class Totals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None  # None: no price set for any model used


def totals(messages: Iterable[Message], prices: Any) -> Totals:
    """Every response's tokens (and cost, where `prices(model)` has a price) in `messages`."""
    prompt = completion = 0
    cost: float | None = None
    for message in messages:
        if message.role != "assistant" or not message.usage:
            continue
        p = message.usage.get("prompt_tokens")
        c = message.usage.get("completion_tokens")
        p, c = (p if isinstance(p, int) else 0), (c if isinstance(c, int) else 0)
        prompt, completion = prompt + p, completion + c
        price: Prices = prices(message.model or "") if prices is not None else Prices()
        if (spent := price.cost(p, c)) is not None:
            cost = (cost or 0.0) + spent
    return Totals(prompt, completion, cost)


def compact_count(tokens: int | None) -> str:
    """12400 -> "12.4k", 128000 -> "128k", 1047576 -> "1.0M", 950 -> "950"."""
    if tokens is None:
        return "?"
    if tokens < 1000:
        return str(tokens)
    if tokens < 1_000_000:
        text = f"{tokens / 1000:.1f}" if tokens < 100_000 else f"{tokens / 1000:.0f}"
        return text.removesuffix(".0") + "k"
    return f"{tokens / 1_000_000:.1f}M"


def meter_text(budget: ContextBudget) -> str:
    """`ctx 12.4k/128k 10%`, `~` before the count when estimated; `/?` when the window is unknown."""
    mark = "~" if budget.estimated else ""
    text = f"ctx {mark}{compact_count(budget.used)}/{compact_count(budget.window.tokens)}"
    if (fraction := budget.fraction) is not None:
        text += f" {fraction * 100:.0f}%"
    return text
