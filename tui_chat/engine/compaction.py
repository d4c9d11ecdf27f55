"""Compaction: the model summarises everything before the last N turns, and the chat goes on
with [system prompt, summary, last N turns] as a NEW BRANCH. UI-free.

The new branch is a root-level sibling of the conversation's first message (conversation
tree API): a user message holding the summary, then copies (new ids) of the last N turns. The
originals are not touched: they stay in the tree, in the store and in search, and switching the
root's sibling back (branch 1 of 2) returns to them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from tui_chat.engine.conversation import Conversation, Message, new_id
from tui_chat.engine.conversation_tree import add_sibling

if TYPE_CHECKING:
    from tui_chat.engine.turn import ChatEngine

SUMMARY_HEADING = "Summary of the earlier conversation (compacted):"
_INSTRUCTIONS = (
    "Summarise the conversation below so that it can be continued without it: keep every fact, "
    "decision, name, number, file and piece of code that later messages may need, and the open "
    "questions. Write it as notes, in the conversation's language; no preamble."
)
_TOOL_RESULT_CHARS = 2000  # a tool's output is summarised from its start


@dataclass(frozen=True)
class CompactionPlan:
    older: list[Message]  # summarised
    kept: list[Message]  # the last N turns, copied onto the new branch

    @property
    def worthwhile(self) -> bool:
        return bool(self.older)


def plan(conversation: Conversation, keep_turns: int) -> CompactionPlan:
    """Split the path before the last `keep_turns` turns (a turn starts at a user message)."""
    messages = conversation.messages
    starts = [i for i, m in enumerate(messages) if m.role == "user"]
    if keep_turns <= 0 or not starts:
        cut = len(messages)
    elif len(starts) <= keep_turns:
        cut = 0
    else:
        cut = starts[-keep_turns]
    return CompactionPlan(list(messages[:cut]), list(messages[cut:]))


def transcript(messages: list[Message]) -> str:
    lines = []
    for m in messages:
        if m.role in ("tool", "function"):
            text = (m.content or "")[:_TOOL_RESULT_CHARS]
            lines.append(f"[tool {m.name or ''} result]\n{text}")
            continue
        text = m.content or ""
        for call in m.tool_calls:
            text += f"\n[calls {call.name}({call.arguments})]"
        lines.append(f"[{m.role}]\n{text}")
    return "\n\n".join(lines)


def summary_request(conversation: Conversation, older: list[Message]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    messages.append({"role": "user", "content": f"{_INSTRUCTIONS}\n\n---\n\n{transcript(older)}"})
    return messages


async def summarise(engine: ChatEngine, conversation: Conversation, older: list[Message]) -> str:
    """Ask the model (no tools, no streaming) for the summary; SDK errors propagate."""
    client: Any = engine.client  # plain dicts for messages, as the engine sends them
    response = await client.chat.completions.create(
        model=engine.options.model, messages=summary_request(conversation, older), stream=False
    )
    content = response.choices[0].message.content if response.choices else None
    return (content or "").strip()


def apply(conversation: Conversation, summary: str, kept: list[Message]) -> list[Message]:
    """Make [summary, copies of `kept`] the current path, as a new root-level branch.
    Returns the new path. The conversation must have at least one message. The copies carry
    no usage: theirs counted the summarised history (the meter estimates until the next reply)."""
    first = conversation.messages[0]
    head = Message(role="user", content=f"{SUMMARY_HEADING}\n\n{summary}")
    add_sibling(conversation, first.id, head)
    for message in kept:
        conversation.add(
            replace(
                message,
                id=new_id(),
                previous_versions=[],
                tool_calls=list(message.tool_calls),
                usage=None,
                timing=None,
            )
        )
    return list(conversation.messages)
