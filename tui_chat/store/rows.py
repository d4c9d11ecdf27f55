"""Converting between `Message`/`Conversation` and table rows.

A row is an immutable snapshot: the recorder takes it on the caller's thread and hands it to
the writer thread, so the writer never reads a `Message` while the engine mutates it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from tui_chat.attachments.model import Attachment
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall

TITLE_LENGTH = 60
INTERRUPTED_DETAIL = "tui-chat stopped while this reply was streaming"

MESSAGE_COLUMNS = (
    "session_id",
    "id",
    "position",
    "role",
    "content",
    "reasoning",
    "tool_calls",
    "tool_call_id",
    "name",
    "model",
    "usage",
    "status",
    "status_detail",
    "activity",
    "previous_versions",
    "created",
    "parent_id",
)


@dataclass(frozen=True, slots=True)
class MessageRow:
    session_id: str
    id: str
    position: int
    role: str
    content: str | None
    reasoning: str
    tool_calls: str | None
    tool_call_id: str | None
    name: str | None
    model: str | None
    usage: str | None
    status: str
    status_detail: str | None
    activity: str | None
    previous_versions: str | None
    created: float
    parent_id: str | None
    # Not a column: written to the attachment tables (a user message's, fixed once sent).
    attachments: tuple[Attachment, ...] = ()

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, column) for column in MESSAGE_COLUMNS)


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    title: str | None
    # False for the recorder: its title only fills an empty one, so a rename is never undone.
    title_is_explicit: bool
    created: float
    updated: float
    model: str | None
    provider: str | None
    system_prompt: str | None
    archived: bool | None = None  # None: leave as it is
    current_leaf: str | None = None  # the end of the branch on screen; None: leave as it is
    leaf_used: float | None = None  # when current_leaf was switched to (picks a branch's leaf)
    origin_session: str | None = None  # a fork's origin, set when the session is created
    origin_message: str | None = None
    endpoint: str | None = None  # the endpoint's name; None: leave as it is


def message_row(session_id: str, position: int, message: Message, parent_id: str | None) -> MessageRow:
    """`position` is the depth on the branch; `parent_id` the message before it there."""
    return MessageRow(
        session_id=session_id,
        id=message.id,
        position=position,
        role=message.role,
        content=message.content,
        reasoning=message.reasoning,
        tool_calls=_dumps([tool_call_dict(c) for c in message.tool_calls] or None),
        tool_call_id=message.tool_call_id,
        name=message.name,
        model=message.model,
        usage=_dumps(message.usage),
        status=message.status,
        status_detail=message.status_detail,
        activity=_dumps(asdict(message.activity) if message.activity else None),
        previous_versions=None,  # derived from the sibling branches, never saved
        created=message.created,
        parent_id=parent_id,
        attachments=tuple(message.attachments),
    )


def path_rows(session_id: str, messages: list[Message]) -> list[MessageRow]:
    """Rows for a branch, root first: each message's parent is the one before it."""
    return [message_row(session_id, i, m, messages[i - 1].id if i else None) for i, m in enumerate(messages)]


def message_from_row(row: sqlite3.Row, attachments: list[Attachment] | None = None) -> Message:
    """The stored message as the app should see it now: a reply that was still streaming when
    it was last saved can no longer finish, so it comes back as interrupted."""
    status = row["status"]
    detail = row["status_detail"]
    if status == "streaming":
        status, detail = "interrupted", detail or INTERRUPTED_DETAIL
    activity = json.loads(row["activity"]) if row["activity"] else None
    return Message(
        role=row["role"],
        content=row["content"],
        reasoning=row["reasoning"] or "",
        tool_calls=[tool_call_from_dict(c) for c in json.loads(row["tool_calls"] or "[]")],
        tool_call_id=row["tool_call_id"],
        name=row["name"],
        status=status,
        status_detail=detail,
        model=row["model"],
        usage=json.loads(row["usage"]) if row["usage"] else None,
        activity=ToolActivity(**activity) if activity else None,
        attachments=attachments or [],
        id=row["id"],
        created=row["created"],
    )


def tool_call_dict(call: ToolCall) -> dict[str, str]:
    return {"id": call.id, "name": call.name, "arguments": call.arguments}


def tool_call_from_dict(data: dict[str, Any]) -> ToolCall:
    return ToolCall(id=data["id"], name=data["name"], arguments=data.get("arguments", ""))


def derived_title(conversation: Conversation) -> str | None:
    """The first non-empty line of the first user message, cut at a word near 60 characters."""
    first = next((m for m in conversation.messages if m.role == "user" and (m.content or "").strip()), None)
    if first is None:
        return None
    line = next(line for line in (first.content or "").splitlines() if line.strip())
    line = " ".join(line.split())
    if len(line) <= TITLE_LENGTH:
        return line
    cut = line[: TITLE_LENGTH - 1]
    if " " in cut[TITLE_LENGTH // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)
