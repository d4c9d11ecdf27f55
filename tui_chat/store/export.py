"""Export a saved session as Markdown (for people) or JSON (round-trips), and import JSON.

Markdown shows the current branch, with a note on each message that has other versions.
JSON (version 2) holds the whole tree: every message of every branch, each with its "parent"
(null at the root) and, for a leaf that was switched to, "used"; the session has
"current_leaf" (the branch on screen) and, for a fork, "origin_session" / "origin_message".
Messages are listed parents first. Version 1 files (one linear list, earlier versions of a
reply in "previous_versions") still import: each earlier version becomes a sibling reply.

JSON format, version 2 (version 1: the same without "parent", "used", "current_leaf" and the
origin, with "previous_versions" on a message)::

    {"format": "tui-chat-session", "version": 2, "exported": <unix time>,
     "session": {"id", "title", "model", "provider", "endpoint", "system_prompt", "created", "updated",
                 "archived", "current_leaf", "origin_session", "origin_message",
                 "messages": [{"id", "parent", "used", "role", "content", "reasoning", "tool_calls": [{"id",
                 "name", "arguments"}], "tool_call_id", "name", "status", "status_detail",
                 "model", "usage", "activity": {"status", "duration", "arguments", "error", "server"},
                 "created", "attachments": [{"name", "kind", "mime", "sha256", "data"}]}]}}

"attachments" (issue 12) is optional, so files written before it still import; "data" is the
file's bytes in base64 and must match "sha256". "endpoint" (the [endpoints.NAME] the session
talks to, schema v6) is optional too: without it (or null) the session has no endpoint saved,
as one saved before endpoints.

Only "role" is required in a message and only "messages" in a session; everything else has
a default. A readable `ImportFailed` says what is wrong with a file that does not fit.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, cast, get_args

from tui_chat.attachments.model import Attachment, AttachmentKind, fenced_file, human_size
from tui_chat.engine.conversation import (
    Conversation,
    Message,
    MessageStatus,
    Role,
    ToolActivity,
    ToolCall,
    ToolStatus,
    new_id,
)
from tui_chat.engine.conversation_tree import ConversationTree, tree_of, versions_as_siblings
from tui_chat.store.rows import tool_call_dict
from tui_chat.store.sessions import SessionStore, SessionSummary

FORMAT = "tui-chat-session"
VERSION = 2
READABLE_VERSIONS = (1, 2)


class AlreadyImported(Exception):
    """The session in the file is in the store already (import it with copy=True for another)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(session_id)
        self.session_id = session_id


class ImportFailed(ValueError):
    """The file is not a session this version can import; the message says why."""


@dataclass(frozen=True)
class ImportResult:
    session_id: str
    title: str | None
    message_count: int
    # The id in the file, when it was already taken and the session got a new one.
    replaced_id: str | None = None


# -- Markdown ------------------------------------------------------------------------------


def to_markdown(conversation: Conversation, summary: SessionSummary) -> str:
    lines = [f"# {summary.title or 'Untitled session'}", ""]
    lines.append(f"- Model: {conversation.model or 'unknown'}")
    if summary.provider:
        lines.append(f"- Provider: {summary.provider}")
    if conversation.endpoint:
        lines.append(f"- Endpoint: {conversation.endpoint}")
    lines.append(f"- Started: {_local_time(summary.created)}")
    lines.append(f"- Last used: {_local_time(summary.updated)}")
    lines.append(f"- Session: {summary.id}")
    if conversation.system_prompt:
        lines += ["", "## System prompt", "", *_quoted(conversation.system_prompt)]
    tree = tree_of(conversation)
    for message in conversation.messages:
        lines += ["", *_markdown_message(message)]
        place = tree.branching(message.id)
        if place.count > 1:
            lines += [
                "",
                f"*(version {place.index} of {place.count}; the others are in the app and the JSON export)*",
            ]
    return "\n".join(lines).rstrip() + "\n"


def _markdown_message(message: Message) -> list[str]:
    if message.role in ("tool", "function"):
        return _markdown_tool_result(message)
    if message.role == "system":  # a change mid-session, where it took effect
        if not message.content:
            return ["## System prompt removed", "", "*(from here on)*"]
        return ["## System prompt changed", "", "*(from here on)*", "", *_quoted(message.content)]
    out = [f"## {message.role.capitalize()}", ""]
    if message.reasoning:
        out += ["<details><summary>Thinking</summary>", "", *_quoted(message.reasoning), "", "</details>", ""]
    if message.content:
        out.append(_demoted(message.content))
    out += _markdown_attachments(message.attachments)
    for call in message.tool_calls:
        out += ["", f"**Tool call** `{call.name}`", "", *_fenced(_pretty_json(call.arguments), "json")]
    if message.status != "complete":
        out += ["", f"*({message.status}{': ' + message.status_detail if message.status_detail else ''})*"]
    return out


def _markdown_attachments(attachments: list[Attachment]) -> list[str]:
    """Each attachment listed; text ones inlined (fenced, so nothing in them is Markdown)."""
    out: list[str] = []
    for a in attachments:
        out += ["", f"**Attachment** `{a.name}` ({a.kind}, {human_size(a.size)}, sha256 {a.sha256[:12]})"]
        if a.kind == "text":
            out += ["", *fenced_file(a).splitlines()[1:]]
    return out


_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _demoted(markdown: str) -> str:
    """A message's own headings below the transcript's structure (# title, ## User/Assistant,
    ### tool results): `#` becomes `####`, down to `######`. Code fences are left alone."""
    lines = markdown.split("\n")
    fence = ""
    for i, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        heading = _HEADING.match(line)
        if heading:
            level = min(6, len(heading.group(2)) + 3)
            lines[i] = heading.group(1) + "#" * level + line[heading.end() :]
    return "\n".join(lines)


def _markdown_tool_result(message: Message) -> list[str]:
    facts: list[str] = []
    if message.activity is not None:
        facts.append(message.activity.status)
        if message.activity.duration is not None:
            facts.append(f"{message.activity.duration:.1f} s")
        if message.activity.server:
            facts.append(f"MCP server {message.activity.server}")
    heading = f"### Tool result: `{message.name or 'tool'}`" + (f" ({', '.join(facts)})" if facts else "")
    out = [heading, ""]
    if message.activity is not None and message.activity.error:
        out += [f"Error: {message.activity.error}", ""]
    return out + _fenced(message.content or "", "")


def _fenced(text: str, language: str) -> list[str]:
    """A code fence longer than any backtick run inside, so the content cannot close it."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def _quoted(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines()]


def _pretty_json(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments  # shown exactly as the model sent it


def _local_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")


# -- JSON ----------------------------------------------------------------------------------


def to_json(conversation: Conversation, summary: SessionSummary) -> str:
    tree = tree_of(conversation)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported": time.time(),
        "session": {
            "id": conversation.id,
            "title": summary.title,
            "model": conversation.model,
            "provider": summary.provider,
            "endpoint": conversation.endpoint,
            "system_prompt": conversation.system_prompt,
            "created": summary.created,
            "updated": summary.updated,
            "archived": summary.archived,
            "current_leaf": conversation.messages[-1].id if conversation.messages else None,
            "origin_session": summary.origin_session,
            "origin_message": summary.origin_message,
            "messages": [_message_dict(m, parent, tree) for m, parent in tree.nodes()],
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _message_dict(message: Message, parent: str | None, tree: ConversationTree) -> dict[str, Any]:
    out = {
        "id": message.id,
        "parent": parent,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "tool_calls": [tool_call_dict(c) for c in message.tool_calls],
        "tool_call_id": message.tool_call_id,
        "name": message.name,
        "status": message.status,
        "status_detail": message.status_detail,
        "model": message.model,
        "usage": message.usage,
        "activity": asdict(message.activity) if message.activity else None,
        "created": message.created,
    }
    if message.attachments:  # optional key: version 2 files without it still import
        out["attachments"] = [_attachment_dict(a) for a in message.attachments]
    used = tree.used(message.id)
    if used is not None:
        out["used"] = used
    return out


def _attachment_dict(attachment: Attachment) -> dict[str, Any]:
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "mime": attachment.mime,
        "sha256": attachment.sha256,
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def _parse_attachment(data: Any, where: str) -> Attachment:
    if not isinstance(data, dict):
        raise ImportFailed(f"{where} must be an object")
    kind = _field(data, "kind", str, where, required=True)
    _one_of(kind, ("text", "image"), f"{where}.kind")
    try:
        raw = base64.b64decode(_field(data, "data", str, where, required=True), validate=True)
    except binascii.Error:
        raise ImportFailed(f"{where}.data is not valid base64") from None
    attachment = Attachment(
        name=_field(data, "name", str, where, required=True),
        kind=cast(AttachmentKind, kind),
        mime=_field(data, "mime", str, where) or ("text/plain" if kind == "text" else "image/png"),
        data=raw,
    )
    claimed = _field(data, "sha256", str, where)
    if claimed is not None and claimed != attachment.sha256:
        raise ImportFailed(f"{where}: the data does not match its sha256 (the file was altered)")
    return attachment


@dataclass(frozen=True)
class ParsedSession:
    conversation: Conversation
    provider: str | None
    created: float | None
    updated: float | None
    archived: bool
    origin: tuple[str, str] | None = None


def parse_json(text: str) -> ParsedSession:
    """Validate an exported session; raises `ImportFailed` naming the first problem."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportFailed(f'not a tui-chat session export (expected "format": "{FORMAT}")')
    version = document.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise ImportFailed(
            f"unsupported export version {version!r} (this tui-chat reads versions 1 and {VERSION})"
        )
    session = _field(document, "session", dict, "", required=True)
    messages = _field(session, "messages", list, "session", required=True)
    parsed = [_parse_message(m, f"session.messages[{i}]") for i, m in enumerate(messages)]
    tree = ConversationTree()
    if version == 1:
        path = [message for message, _ in parsed]
        _unique_message_ids(path)
        tree.add_all((m, parent, None) for m, parent in versions_as_siblings(path))
        current = path[-1].id if path else None
    else:
        _check_tree(parsed, messages)
        tree.add_all(
            (m, parent, _field(messages[i], "used", float, f"session.messages[{i}]"))
            for i, (m, parent) in enumerate(parsed)
        )
        current = _field(session, "current_leaf", str, "session")
    origin_session = _field(session, "origin_session", str, "session")
    origin_message = _field(session, "origin_message", str, "session")
    conversation = Conversation(
        messages=tree.current_path(current),
        tree=tree,
        system_prompt=_field(session, "system_prompt", str, "session"),
        model=_field(session, "model", str, "session"),
        id=_field(session, "id", str, "session") or new_id(),
        title=_field(session, "title", str, "session"),
        endpoint=_field(session, "endpoint", str, "session"),
    )
    return ParsedSession(
        conversation=conversation,
        provider=_field(session, "provider", str, "session"),
        created=_field(session, "created", float, "session"),
        updated=_field(session, "updated", float, "session"),
        archived=bool(_field(session, "archived", bool, "session")),
        origin=(origin_session, origin_message) if origin_session and origin_message else None,
    )


def _check_tree(parsed: list[tuple[Message, str | None]], raw: list[Any]) -> None:
    ids = [m.id for m, _ in parsed]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise ImportFailed(f"message id {duplicate!r} appears more than once")
    known = set(ids)
    for i, (_, parent) in enumerate(parsed):
        if parent is not None and parent not in known:
            raise ImportFailed(f"session.messages[{i}].parent {parent!r} is not a message in the file")


def _parse_message(data: Any, where: str) -> tuple[Message, str | None]:
    if not isinstance(data, dict):
        raise ImportFailed(f"{where} must be an object")
    role = _field(data, "role", str, where, required=True)
    _one_of(role, get_args(Role), f"{where}.role")
    status = cast(MessageStatus, _field(data, "status", str, where) or "complete")
    _one_of(status, get_args(MessageStatus), f"{where}.status")
    calls = _field(data, "tool_calls", list, where) or []
    message = Message(
        role=role,
        content=_field(data, "content", str, where),
        reasoning=_field(data, "reasoning", str, where) or "",
        tool_calls=[_parse_tool_call(c, f"{where}.tool_calls[{i}]") for i, c in enumerate(calls)],
        tool_call_id=_field(data, "tool_call_id", str, where),
        name=_field(data, "name", str, where),
        status=status,
        status_detail=_field(data, "status_detail", str, where),
        model=_field(data, "model", str, where),
        usage=_field(data, "usage", dict, where),
        activity=_parse_activity(data.get("activity"), f"{where}.activity"),
        previous_versions=_strings(_field(data, "previous_versions", list, where) or [], where),
        attachments=[
            _parse_attachment(a, f"{where}.attachments[{i}]")
            for i, a in enumerate(_field(data, "attachments", list, where) or [])
        ],
        id=_field(data, "id", str, where) or new_id(),
        created=_field(data, "created", float, where) or time.time(),
    )
    return message, _field(data, "parent", str, where)


def _parse_tool_call(data: Any, where: str) -> ToolCall:
    if not isinstance(data, dict):
        raise ImportFailed(f"{where} must be an object")
    return ToolCall(
        id=_field(data, "id", str, where, required=True),
        name=_field(data, "name", str, where, required=True),
        arguments=_field(data, "arguments", str, where) or "",
    )


def _parse_activity(data: Any, where: str) -> ToolActivity | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ImportFailed(f"{where} must be an object")
    status = cast(ToolStatus, _field(data, "status", str, where) or "pending")
    _one_of(status, get_args(ToolStatus), f"{where}.status")
    return ToolActivity(
        status=status,
        duration=_field(data, "duration", float, where),
        arguments=_field(data, "arguments", str, where) or "",
        error=_field(data, "error", str, where),
        server=_field(data, "server", str, where),
    )


def _field(data: dict[str, Any], key: str, kind: type, where: str, *, required: bool = False) -> Any:
    path = f"{where}.{key}" if where else key
    value = data.get(key)
    if value is None:
        if required:
            raise ImportFailed(f"missing field {path}")
        return None
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ImportFailed(f"{path} must be {_KIND_NAMES[kind]}, not {type(value).__name__}")
    return value


_KIND_NAMES = {str: "a string", float: "a number", bool: "true or false", list: "a list", dict: "an object"}


def _one_of(value: str, allowed: tuple[str, ...], path: str) -> None:
    if value not in allowed:
        raise ImportFailed(f"{path} is {value!r}; expected one of {', '.join(allowed)}")


def _strings(values: list[Any], where: str) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise ImportFailed(f"{where}.previous_versions must be a list of strings")
    return values


def import_json(store: SessionStore, text: str, *, copy: bool = False) -> ImportResult:
    """Validate and save an exported session. If its id is taken the existing session is never
    overwritten: AlreadyImported is raised, or with `copy` the import gets a new id."""
    parsed = parse_json(text)
    conversation = parsed.conversation
    replaced = None
    if store.exists(conversation.id):
        if not copy:
            raise AlreadyImported(conversation.id)
        replaced, conversation.id = conversation.id, new_id()
    store.save_conversation(
        conversation,
        provider=parsed.provider,
        created=parsed.created,
        updated=parsed.updated,
        origin=parsed.origin,
    )
    if parsed.archived:
        store.set_archived(conversation.id, True)
    summary = store.summary(conversation.id)
    return ImportResult(conversation.id, summary.title, summary.message_count, replaced)


def _unique_message_ids(messages: list[Message]) -> None:
    seen: set[str] = set()
    for message in messages:
        if message.id in seen:
            message.id = new_id()
        seen.add(message.id)
