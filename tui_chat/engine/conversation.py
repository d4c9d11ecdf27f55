"""The conversation as plain data: the single source of truth the UI, the store and the engine share.

A `Message` is mutable on purpose: the engine appends text to the streaming assistant message in
place, and the store checkpoints whatever the message holds at that moment.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.attachments.model import Attachment, user_content
from tui_chat.engine.conversation_tree import ConversationTree

Role = Literal["system", "user", "assistant", "tool", "function"]
MessageStatus = Literal["complete", "streaming", "interrupted", "error"]
# "stopped": the user stopped the turn before the call had a result (not a refusal).
ToolStatus = Literal["pending", "running", "ok", "error", "refused", "stopped"]


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class ToolCall:
    """One function call the model asked for, as assembled from the stream."""

    id: str
    name: str
    # The raw JSON text exactly as the model sent it; sent back verbatim.
    arguments: str = ""


@dataclass
class ToolActivity:
    """What happened when a tool call ran: kept on the `tool` message so a reopened session
    can show the sidebar exactly as it was."""

    status: ToolStatus = "pending"
    duration: float | None = None
    arguments: str = ""
    error: str | None = None
    server: str | None = None  # the MCP server the call went to (None: a built-in or file tool)


@dataclass(frozen=True)
class ReplyTiming:
    """Monotonic seconds: the request sent, the first streamed event, the end of the stream."""

    sent: float
    first: float | None
    ended: float

    @property
    def to_first_token(self) -> float | None:
        return self.first - self.sent if self.first is not None else None

    @property
    def generating(self) -> float | None:
        return self.ended - self.first if self.first is not None else None


@dataclass
class Message:
    role: Role
    content: str | None = ""
    # A reasoning model's thinking, shown and stored but never sent back (to_api leaves it out).
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None  # on role="tool"
    name: str | None = None  # tool/function name on role="tool"/"function"
    status: MessageStatus = "complete"
    # Why a reply ended early (cut off, stopped by the user, error text); shown in the log.
    status_detail: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    activity: ToolActivity | None = None  # on role="tool"/"function"
    # Earlier versions of this reply (regenerated) newest last: a view derived from the sibling
    # branches in `Conversation.tree` (see conversation_tree.refresh_previous_versions); the
    # store does not save it.
    previous_versions: list[str] = field(default_factory=list)
    # Files attached to a user message (issue 12): the bytes as attached, sent with every request.
    attachments: list[Attachment] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    created: float = field(default_factory=time.time)
    # When this reply's request went out, its first token and its end arrived (this run only).
    timing: ReplyTiming | None = field(default=None, repr=False, compare=False)

    def to_api(self, *, legacy_functions: bool = False) -> dict[str, Any]:
        """The message in the shape the Chat Completions API accepts."""
        if self.role == "assistant" and self.tool_calls:
            if legacy_functions:
                call = self.tool_calls[0]
                return {
                    "role": "assistant",
                    "content": self.content or None,
                    "function_call": {"name": call.name, "arguments": call.arguments},
                }
            return {
                "role": "assistant",
                # OpenAI accepts null content beside tool_calls; some servers reject "".
                "content": self.content or None,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": c.arguments},
                    }
                    for c in self.tool_calls
                ],
            }
        if self.role == "tool":
            if legacy_functions:
                return {"role": "function", "name": self.name or "", "content": self.content or ""}
            return {"role": "tool", "tool_call_id": self.tool_call_id or "", "content": self.content or ""}
        if self.role == "function":
            return {"role": "function", "name": self.name or "", "content": self.content or ""}
        if self.attachments:
            return {"role": self.role, "content": user_content(self.content or "", self.attachments)}
        return {"role": self.role, "content": self.content or ""}


@dataclass
class Conversation:
    """A session's messages plus the settings that shape the next request.

    `messages` is the current path (root to the current leaf): what is sent and shown. `tree`
    holds every branch; read it through `conversation_tree.tree_of(conversation)`, which first
    files messages appended to the path since."""

    messages: list[Message] = field(default_factory=list)
    system_prompt: str | None = None
    model: str | None = None
    endpoint: str | None = None  # the [endpoints.NAME] it talks to; None: not known yet
    id: str = field(default_factory=new_id)
    title: str | None = None
    tree: ConversationTree = field(default_factory=ConversationTree, repr=False, compare=False)

    def add(self, message: Message) -> Message:
        self.messages.append(message)
        return message

    @property
    def current_system_prompt(self) -> str | None:
        """The system prompt the next request uses: the latest change on the path (a `system`
        message, kept where it took effect; empty = removed), else the one it started with
        (`system_prompt`). A branch above a change goes back to the prompt before it."""
        for m in reversed(self.messages):
            if m.role == "system":
                return m.content or None
        return self.system_prompt

    def change_system_prompt(self, text: str | None) -> Message | None:
        """Use `text` (None or "": none) from the next request on. Mid-session the change is
        a `system` message appended here (returned), so the log and the session show where it
        took effect and the prompt the session started with stays for what came before."""
        text = text or None
        if text == self.current_system_prompt:
            return None
        if any(m.role in ("user", "assistant") for m in self.messages):
            return self.add(Message(role="system", content=text or ""))
        self.system_prompt = text
        return None

    def to_api(self, *, legacy_functions: bool = False) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        # One system message first, whatever changed when: what every server accepts.
        system_prompt = self.current_system_prompt
        if system_prompt:
            out.append({"role": "system", "content": system_prompt})
        for m in self.messages:
            if m.role == "system":
                continue
            if m.role == "assistant" and not m.tool_calls and not m.content:
                continue  # an empty stopped reply is not worth sending
            out.append(m.to_api(legacy_functions=legacy_functions))
        return out

    def last(self, role: Role) -> Message | None:
        for m in reversed(self.messages):
            if m.role == role:
                return m
        return None


# -- the pairing rule: which tool call a tool result answers -------------------------------------


def answered_calls(messages: Iterable[Message]) -> dict[str, tuple[str, str]]:
    """`tool` / `function` message id -> (the assistant message id, the call id) it answers.

    Call ids are only unique within one response (servers reuse `call_0` across rounds), so a
    result answers a call of the assistant message it follows. A result naming a call id that
    is still unanswered there answers that call; any other (legacy `function` results carry no
    id) answers the first unanswered call of the same name, else the first unanswered call."""
    pairs: dict[str, tuple[str, str]] = {}
    owner: str | None = None
    waiting: list[ToolCall] = []
    for message in messages:
        if message.role == "assistant":
            owner = message.id
            waiting = list(message.tool_calls)
        elif message.role in ("tool", "function") and owner is not None and waiting:
            call = next((c for c in waiting if message.tool_call_id and c.id == message.tool_call_id), None)
            if call is None:
                call = next((c for c in waiting if c.name == message.name), waiting[0])
            waiting.remove(call)
            pairs[message.id] = (owner, call.id)
    return pairs


def tool_results(messages: Iterable[Message]) -> dict[str, dict[str, Message]]:
    """Assistant message id -> {tool call id -> the message answering it} (`answered_calls`)."""
    listed = list(messages)
    by_id = {m.id: m for m in listed}
    results: dict[str, dict[str, Message]] = {}
    for result_id, (owner, call_id) in answered_calls(listed).items():
        results.setdefault(owner, {})[call_id] = by_id[result_id]
    return results
