"""The one-line status bar at the top: app state, model, provider and the session's tokens."""

from __future__ import annotations

from typing import assert_never
from urllib.parse import urlsplit

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui_chat.engine.conversation import Conversation
from tui_chat.engine.events import (
    BranchSwitched,
    ChatEvent,
    ConversationChanged,
    ConversationOpened,
    MessageAdded,
    MessagesRemoved,
    ReasoningDelta,
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


class StatusBar(Static):
    model: reactive[str] = reactive("")
    endpoint: reactive[str] = reactive("")
    state: reactive[str] = reactive("ready")
    prompt_tokens: reactive[int] = reactive(0)
    completion_tokens: reactive[int] = reactive(0)
    tools: reactive[int] = reactive(0)
    mcp: reactive[str] = reactive("")  # MCP servers ready / enabled ("" when none)
    mcp_failed: reactive[bool] = reactive(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self._last_failure: str | None = None  # the kind of error the running turn ended with

    def render(self) -> Content:
        state_style = {
            "ready": "$success",
            "streaming": "$warning",
            "waiting": "$warning",
            "confirm": "$accent",
            "not configured": "$error",
            "unreachable": "$error",
        }.get(self.state, "")
        parts: list[tuple[str, str] | str] = [
            ("tui-chat", "bold"),
            ("  ● ", state_style),
            (self.state, state_style),
            ("   model ", "dim"),
            (clean(self.model) or "?", "bold"),
            ("   via ", "dim"),
            clean(self.endpoint),
        ]
        wide = self.size.width >= 100
        if self.tools and wide:
            parts += [("   tools ", "dim"), str(self.tools)]
        if self.mcp and wide:
            parts += [("   mcp ", "dim"), (self.mcp, "$error" if self.mcp_failed else "")]
        total = self.prompt_tokens + self.completion_tokens
        parts += [("   tokens ", "dim"), f"{total:,}"]
        if wide:
            parts.append((f" ({self.prompt_tokens:,} in / {self.completion_tokens:,} out)", "dim"))
        return Content.assemble(*parts)

    def handle_event(self, event: ChatEvent) -> None:
        """Follow the controller's event stream: state, model and the session's tokens."""
        match event:
            case TextDelta() | ReasoningDelta() | ToolCallArgumentsDelta():
                pass  # the most frequent: first
            case ResponseFinished(usage=usage):
                self.add_usage(usage)
            case TurnStarted():
                self._last_failure = None
                self.state = "streaming"
            case TurnFailed(kind=kind):
                self._last_failure = kind
            case TurnClosed():
                # "ready" would be a promise the server just broke; the next request tries again.
                self.state = "unreachable" if self._last_failure == "connection" else "ready"
            case ConversationOpened(conversation=conversation):
                self.show_totals(conversation)
                if conversation.model:
                    self.model = conversation.model
            case ConversationChanged(conversation=conversation):
                if conversation.model:
                    self.model = conversation.model
            case (
                MessageAdded()
                | ToolCallStarted()
                | ToolCallCompleted()
                | ToolExecutionStarted()
                | ToolResultReady()
                | TurnEnded()
                | MessagesRemoved()
                | BranchSwitched()
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

    def add_usage(self, usage: dict[str, object] | None) -> None:
        if not usage:
            return
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        if isinstance(prompt, int):
            self.prompt_tokens += prompt
        if isinstance(completion, int):
            self.completion_tokens += completion

    def reset_usage(self) -> None:
        self.prompt_tokens = 0
        self.completion_tokens = 0
