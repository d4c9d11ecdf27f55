"""The one-line status bar at the top: app state, model, the context meter, provider and the
session's tokens and cost.

The line is a list of segments (`_segments`), each with a drop rank: when the line is wider than
the bar, the segments with the highest rank go first, so a narrow terminal keeps the state, the
model and the meter. A new segment is one entry there (a reactive for its value, if it has one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import assert_never
from urllib.parse import urlsplit

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui_chat.engine.context_budget import ContextBudget, meter_text, totals
from tui_chat.engine.context_window import Prices
from tui_chat.engine.conversation import Conversation
from tui_chat.engine.events import (
    BranchSwitched,
    ChatEvent,
    ConversationChanged,
    ConversationOpened,
    MessageAdded,
    MessagesRemoved,
    ReasoningDelta,
    RequestRetrying,
    ResponseFinished,
    SendRefused,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecutionStarted,
    ToolResultReady,
    TurnClosed,
    TurnEnded,
    TurnFailed,
    TurnStarted,
)
from tui_chat.ui.widgets.text import clean


def describe_endpoint(provider: str, base_url: str | None, azure_endpoint: str | None = None) -> str:
    if provider == "azure":
        host = urlsplit(azure_endpoint or base_url or "").hostname
        return f"azure · {host}" if host else "azure"
    if not base_url:
        return "openai"
    host = urlsplit(base_url).hostname or base_url
    port = urlsplit(base_url).port
    return f"{host}:{port}" if port else host


@dataclass(frozen=True)
class Segment:
    parts: tuple[tuple[str, str] | str, ...]
    drop: int = 0  # 0: always kept; higher ranks are dropped first when the bar is too narrow

    @property
    def width(self) -> int:
        return sum(len(p if isinstance(p, str) else p[0]) for p in self.parts)


_METER_STYLE = {"ok": "", "warn": "$warning", "danger": "$error bold"}

BudgetSource = Callable[[Conversation], ContextBudget | None]
PriceSource = Callable[[str], Prices]


class StatusBar(Static):
    model: reactive[str] = reactive("")
    endpoint: reactive[str] = reactive("")
    state: reactive[str] = reactive("ready")
    prompt_tokens: reactive[int] = reactive(0)
    completion_tokens: reactive[int] = reactive(0)
    tools: reactive[int] = reactive(0)
    mcp: reactive[str] = reactive("")  # MCP servers ready / enabled ("" when none)
    mcp_failed: reactive[bool] = reactive(False)
    # Named endpoints (issue 14): the one in use ("" when only one is configured) and what the
    # engine adapts to there ("" when nothing); the app sets both.
    endpoint_name: reactive[str] = reactive("")
    adapted: reactive[str] = reactive("")
    context: reactive[ContextBudget | None] = reactive(None)  # None: nothing to show yet
    cost: reactive[float | None] = reactive(None)  # the session's, where prices are set

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self._last_failure: str | None = None  # the kind of error the running turn ended with
        # Set by the app: how full the next request is (the engine knows the window and the
        # tools) and what a model's tokens cost. Asked only when the conversation changed
        # shape (a message added, a response finished), never per streamed token.
        self.budget_of: BudgetSource | None = None
        self.prices_of: PriceSource | None = None
        self._conversation: Conversation | None = None
        self._retrying = False  # the state shows a retry notice until the reply starts

    def render(self) -> Content:
        segments = self._segments()
        room = self.size.width or 10_000
        kept = list(segments)
        for rank in sorted({s.drop for s in segments if s.drop}, reverse=True):
            if sum(s.width for s in kept) <= room:
                break
            kept = [s for s in kept if s.drop != rank]
        return Content.assemble(*(p for s in kept for p in s.parts))

    def _segments(self) -> list[Segment]:
        state_style = {
            "ready": "$success",
            "streaming": "$warning",
            "waiting": "$warning",
            "confirm": "$accent",
            "not configured": "$error",
            "unreachable": "$error",
        }.get(self.state, "")
        segments = [
            Segment((("tui-chat", "bold"), ("  ● ", state_style), (self.state, state_style))),
            Segment((("   model ", "dim"), (clean(self.model) or "?", "bold"))),
        ]
        if self.context is not None:
            style = _METER_STYLE[self.context.level]
            segments.append(Segment((("   ", ""), (meter_text(self.context), style)), drop=1))
        segments += self._endpoint_segments()
        segments.append(Segment((("   via ", "dim"), clean(self.endpoint)), drop=5))
        wide = self.size.width >= 100
        if self.tools and wide:
            segments.append(Segment((("   tools ", "dim"), str(self.tools)), drop=6))
        if self.mcp and wide:
            segments.append(
                Segment((("   mcp ", "dim"), (self.mcp, "$error" if self.mcp_failed else "")), drop=6)
            )
        total = self.prompt_tokens + self.completion_tokens
        segments.append(Segment((("   tokens ", "dim"), f"{total:,}"), drop=3))
        if wide:
            detail = f" ({self.prompt_tokens:,} in / {self.completion_tokens:,} out)"
            segments.append(Segment(((detail, "dim"),), drop=7))
        if self.cost is not None:
            segments.append(Segment((("   cost ", "dim"), f"{self.cost:.4f}"), drop=4))
        return segments

    def watch_context(self, budget: ContextBudget | None) -> None:
        level = budget.level if budget is not None else "ok"
        self.set_class(level == "warn", "-ctx-warn")
        self.set_class(level == "danger", "-ctx-danger")

    def update_context(self, conversation: Conversation | None = None) -> None:
        """Measure the next request again (after a change of shape, never per token)."""
        conversation = conversation or self._conversation
        if conversation is None:
            return
        self._conversation = conversation
        if self.budget_of is None or not conversation.messages:
            self.context = None
        else:
            self.context = self.budget_of(conversation)

    def _endpoint_segments(self) -> list[Segment]:
        """The endpoint's name and "adapted: ..."; the note shortens, then goes, as it narrows."""
        width = self.size.width
        segments: list[Segment] = []
        if self.endpoint_name and width >= 60:
            segments.append(Segment((("  @", "dim"), clean(self.endpoint_name)), drop=2))
        if self.adapted and width >= 80:
            segments.append(Segment((("   adapted: ", "dim"), (clean(self.adapted), "$warning")), drop=2))
        elif self.adapted and width >= 60:
            segments.append(Segment((("  adapted", "$warning"),), drop=2))
        return segments

    def handle_event(self, event: ChatEvent) -> None:
        """Follow the controller's event stream: state, model and the session's tokens."""
        match event:
            case TextDelta() | ReasoningDelta() | ToolCallArgumentsDelta():
                if self._retrying:  # the most frequent: first
                    self._retrying = False
                    self.state = "streaming"
            case RequestRetrying():
                self._retrying = True
                self.state = event.notice
            case ResponseFinished(usage=usage):
                self.add_usage(usage)
                self.update_context()
            case TurnStarted():
                self._last_failure = None
                self.state = "streaming"
            case TurnFailed(kind=kind):
                self._last_failure = kind
            case TurnClosed():
                self._retrying = False
                # "ready" would be a promise the server just broke; the next request tries again.
                self.state = "unreachable" if self._last_failure == "connection" else "ready"
                self.update_context()
            case ConversationOpened(conversation=conversation):
                self.show_totals(conversation)
                if conversation.model:
                    self.model = conversation.model
                self.update_context(conversation)
            case ConversationChanged(conversation=conversation):
                if conversation.model:
                    self.model = conversation.model
                self.update_context(conversation)
            case MessageAdded(message=message):
                if message.role == "user":
                    self.update_context()
                elif message.role == "assistant" and message.model and message.model != self.model:
                    self.model = message.model  # the engine took the server's only model
            case MessagesRemoved(conversation=conversation):
                self.update_context(conversation)
            case BranchSwitched(conversation=conversation):
                # Another branch is on screen: its own totals, and the next request is its path.
                self.show_totals(conversation)
                self.update_context(conversation)
            case (
                ToolCallStarted()
                | ToolCallCompleted()
                | ToolExecutionStarted()
                | ToolResultReady()
                | TurnEnded()
                | SendRefused()
            ):
                pass
            case _:
                assert_never(event)

    def show_totals(self, conversation: Conversation) -> None:
        """The tokens of every response in `conversation` so far."""
        usage_in = usage_out = 0
        for message in conversation.messages:
            if message.usage:
                usage_in += int(message.usage.get("prompt_tokens") or 0)
                usage_out += int(message.usage.get("completion_tokens") or 0)
        self.prompt_tokens = usage_in
        self.completion_tokens = usage_out
        self._update_cost(conversation)

    def _update_cost(self, conversation: Conversation | None) -> None:
        if self.prices_of is None or conversation is None:
            self.cost = None
            return
        self.cost = totals(conversation.messages, self.prices_of).cost

    def add_usage(self, usage: dict[str, object] | None) -> None:
        if not usage:
            return
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        if isinstance(prompt, int):
            self.prompt_tokens += prompt
        if isinstance(completion, int):
            self.completion_tokens += completion
        self._update_cost(self._conversation)

    def reset_usage(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
