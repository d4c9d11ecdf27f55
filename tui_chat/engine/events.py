"""Typed events: what one turn yields while it runs (`Event`), and everything else that changes
the app's conversation (`ChatEvent`, emitted by `engine.controller.ChatController`). The TUI,
the headless command and the store all consume exactly these; none of them looks inside the
engine.

Events are small frozen dataclasses named in the past tense.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tui_chat.engine.conversation import Conversation, Message, ToolCall

ErrorKind = Literal[
    "auth",  # 401/403, missing key
    "not_found",  # 404 model or endpoint
    "rate_limit",  # 429 after retries
    "server",  # 5xx
    "connection",  # unreachable, dropped mid-stream
    "timeout",  # stalled stream / read timeout
    "protocol",  # malformed SSE, plain JSON instead of a stream, error object mid-stream
    "cut_off",  # finish_reason length / content_filter
    "too_many_rounds",  # tool loop exceeded max rounds
    "bad_request",  # 400 and friends
    "context_length",  # the request does not fit the model's context window
    "no_model",  # no model configured and the server does not offer exactly one
    "other",
]


@dataclass(frozen=True, slots=True)
class MessageAdded:
    """A message was appended to the conversation (user, assistant placeholder, tool result).
    The message object is shared and may still change while it streams."""

    message: Message


@dataclass(frozen=True, slots=True)
class TextDelta:
    message_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """Thinking text a reasoning model streams before its answer (never sent back to the API)."""

    message_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    message_id: str  # the assistant message that carries the call
    index: int
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallArgumentsDelta:
    id: str
    delta: str


@dataclass(frozen=True, slots=True)
class ToolCallCompleted:
    """The call is fully assembled; it has not run yet."""

    call: ToolCall


@dataclass(frozen=True, slots=True)
class ToolExecutionStarted:
    """The call was allowed and now runs."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolResultReady:
    id: str
    name: str
    status: Literal["ok", "error", "refused", "stopped"]  # stopped: the user stopped the turn
    content: str  # exactly what is sent back to the model
    duration: float  # seconds; 0 for refused
    message_id: str  # the `tool` message that holds the result

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, slots=True)
class ResponseFinished:
    """One model response (one HTTP request) ended; a turn may contain several."""

    message_id: str
    finish_reason: str | None
    usage: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class RequestRetrying:
    """The request failed in a way worth retrying (429, 5xx, no connection) and is sent again
    after `delay` seconds (the server's Retry-After when it gave one). `attempt` counts the
    retries, from 1, of at most `attempts`."""

    message_id: str  # the reply waiting for it
    attempt: int
    attempts: int
    delay: float
    reason: str  # "rate limited", "server error 503", "no connection", ...

    @property
    def notice(self) -> str:
        """One line for a status bar: "rate limited, retrying in 3 s (1 of 2)"."""
        seconds = f"{self.delay:.0f}" if self.delay >= 1 else f"{self.delay:.1f}"
        return f"{self.reason}, retrying in {seconds} s ({self.attempt} of {self.attempts})"


@dataclass(frozen=True, slots=True)
class TurnFailed:
    """A human, one-line message saying what went wrong and what to do. Never a traceback,
    never the API key. Text received so far stays in the conversation."""

    kind: ErrorKind
    message: str


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """Always the last event of a turn, success or not."""

    content: str  # final assistant text ("" if none)
    status: Literal["answered", "error", "cut_off", "interrupted"]


Event = (
    MessageAdded
    | TextDelta
    | ReasoningDelta
    | ToolCallStarted
    | ToolCallArgumentsDelta
    | ToolCallCompleted
    | ToolExecutionStarted
    | ToolResultReady
    | ResponseFinished
    | RequestRetrying
    | TurnFailed
    | TurnEnded
)


# -- conversation changes outside a turn (the controller's, on top of the engine's) ------------


@dataclass(frozen=True, slots=True)
class ConversationOpened:
    """`conversation` became the current one (start-up, new chat, clear, a loaded session)."""

    conversation: Conversation


@dataclass(frozen=True, slots=True)
class MessagesRemoved:
    """Regenerate or edit cut `messages` from the end of the current path (already gone from
    `conversation.messages`; they stay in its tree, as another branch). `after` is the last
    message kept (None: the path is now empty)."""

    conversation: Conversation
    messages: tuple[Message, ...]
    after: Message | None


@dataclass(frozen=True, slots=True)
class BranchSwitched:
    """The current path now shows another sibling branch from `message` down (a branch switch;
    nothing was added or removed from the tree). `after` is the last message above the switch,
    unchanged (None: the switch is at the first message)."""

    conversation: Conversation
    message: Message
    after: Message | None


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    """The model or the system prompt of the current conversation changed."""

    conversation: Conversation


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A turn is about to run: the controller is busy until `TurnClosed`."""


@dataclass(frozen=True, slots=True)
class TurnClosed:
    """The turn's runner is done (after its `TurnEnded`): the controller is no longer busy and
    a new turn may start."""


@dataclass(frozen=True, slots=True)
class SendRefused:
    """The user's message was not added: there is no model to send it to (not configured)."""

    reason: str


ChatEvent = (
    Event
    | ConversationOpened
    | MessagesRemoved
    | BranchSwitched
    | ConversationChanged
    | TurnStarted
    | TurnClosed
    | SendRefused
)
"""Everything that changes what the app shows or saves, in the order it happened."""
