"""A session's messages as a tree: every edit and every regenerate is a sibling branch.

Pure data, no I/O. Each message has a parent (None for the first message of a branch at the
root); siblings are ordered by creation. `Conversation.messages` stays "the current path" (root
to the current leaf), which is what the engine sends and what today's UI shows; the tree holds
every message, including those on other branches.

The path is authoritative for the branch on screen: code that appends to or cuts
`Conversation.messages` keeps working, and `adopt(path)` files any message it does not know yet
under the message before it on the path. So cutting the path above a message and appending
makes a sibling of that message (that is how edit and regenerate branch).

"Most recently used" decides which leaf a sibling's branch shows: a leaf's recency is the later
of its creation and the last time it was switched to (`used`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.engine.conversation import Conversation, Message


@dataclass(frozen=True, slots=True)
class Branching:
    """Where a message sits among its siblings: `index` of `count`, from 1 (shown as "2/3")."""

    index: int
    count: int


class ConversationTree:
    def __init__(self) -> None:
        self._messages: dict[str, Message] = {}
        self._parent: dict[str, str | None] = {}
        self._children: dict[str | None, list[str]] = {}
        self._order: dict[str, int] = {}  # insertion order, the tie-break for equal times
        self._used: dict[str, float] = {}
        self._counter = itertools.count()

    # -- building ---------------------------------------------------------------------------

    def add(self, message: Message, parent_id: str | None, *, used: float | None = None) -> None:
        """File `message` under `parent_id` (None: at the root). Known ids are left as they are."""
        if message.id in self._messages:
            return
        if parent_id is not None and parent_id not in self._messages:
            parent_id = None  # a dangling parent (damaged data): keep the message, at the root
        self._messages[message.id] = message
        self._parent[message.id] = parent_id
        self._order[message.id] = next(self._counter)
        siblings = self._children.setdefault(parent_id, [])
        siblings.append(message.id)
        if len(siblings) > 1:
            siblings.sort(key=self._creation_key)
        if used is not None:
            self._used[message.id] = used

    def add_all(self, nodes: Iterable[tuple[Message, str | None, float | None]]) -> None:
        """(message, parent id, used) in any order: each is filed once its parent is."""
        waiting: dict[str, list[tuple[Message, str | None, float | None]]] = {}
        known = set(self._messages)
        pending = list(nodes)
        ids = {m.id for m, _, _ in pending} | known
        ready = []
        for node in pending:
            parent = node[1]
            if parent is None or parent in known or parent not in ids:
                ready.append(node)
            else:
                waiting.setdefault(parent, []).append(node)
        while ready:
            message, parent, used = ready.pop()
            self.add(message, parent, used=used)
            ready.extend(waiting.pop(message.id, ()))
        for stranded in waiting.values():  # a cycle (damaged data): keep them, at the root
            for message, _, used in stranded:
                self.add(message, None, used=used)

    def adopt(self, path: Sequence[Message]) -> None:
        """Take in the messages of `path` the tree does not know yet (appended by the engine or
        the UI), each under the message before it."""
        parent: str | None = None
        for message in path:
            if message.id not in self._messages:
                self.add(message, parent)
            parent = message.id

    def mark_used(self, leaf_id: str, when: float) -> None:
        self._used[leaf_id] = when

    # -- reading ----------------------------------------------------------------------------

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._messages

    def __len__(self) -> int:
        return len(self._messages)

    def get(self, message_id: str) -> Message:
        return self._messages[message_id]

    def parent_id(self, message_id: str) -> str | None:
        return self._parent[message_id]

    def children(self, message_id: str | None) -> list[Message]:
        return [self._messages[i] for i in self._children.get(message_id, ())]

    def used(self, message_id: str) -> float | None:
        return self._used.get(message_id)

    def nodes(self) -> Iterator[tuple[Message, str | None]]:
        """Every message with its parent id, each parent before its children."""
        stack = list(reversed(self._children.get(None, [])))
        while stack:
            mid = stack.pop()
            yield self._messages[mid], self._parent[mid]
            stack.extend(reversed(self._children.get(mid, [])))

    def path_to(self, message_id: str) -> list[Message]:
        """Root to `message_id`, inclusive."""
        out: list[Message] = []
        current: str | None = message_id
        while current is not None:
            out.append(self._messages[current])
            current = self._parent[current]
        out.reverse()
        return out

    def leaf_below(self, message_id: str | None) -> Message | None:
        """The most recently used (or created) leaf under `message_id` (itself if it is one);
        None only for an empty tree."""
        best: str | None = None
        best_key: tuple[float, int] | None = None
        stack = [message_id] if message_id is not None else list(self._children.get(None, []))
        while stack:
            mid = stack.pop()
            assert mid is not None
            kids = self._children.get(mid)
            if kids:
                stack.extend(kids)
                continue
            key = self._recency_key(mid)
            if best_key is None or key > best_key:
                best, best_key = mid, key
        return None if best is None else self._messages[best]

    def branch_through(self, message_id: str) -> list[Message]:
        """The path that holds `message_id`: root to the most recently used leaf below it."""
        leaf = self.leaf_below(message_id)
        assert leaf is not None
        return self.path_to(leaf.id)

    def current_path(self, leaf_id: str | None) -> list[Message]:
        """Root to `leaf_id`, or to the most recent leaf when it is None or unknown."""
        if leaf_id is None or leaf_id not in self._messages:
            leaf = self.leaf_below(None)
            return [] if leaf is None else self.path_to(leaf.id)
        return self.path_to(leaf_id)

    def siblings(self, message_id: str) -> list[Message]:
        """`message_id` and its siblings (itself included), oldest first."""
        return self.children(self._parent[message_id])

    def branching(self, message_id: str) -> Branching:
        ids = self._children.get(self._parent[message_id], [])
        return Branching(ids.index(message_id) + 1, len(ids))

    def sibling(self, message_id: str, step: int) -> Message | None:
        """The sibling `step` places after (negative: before) `message_id`; None past either end."""
        ids = self._children.get(self._parent[message_id], [])
        index = ids.index(message_id) + step
        return self._messages[ids[index]] if 0 <= index < len(ids) else None

    # -- internals --------------------------------------------------------------------------

    def _creation_key(self, message_id: str) -> tuple[float, int]:
        return (self._messages[message_id].created, self._order[message_id])

    def _recency_key(self, message_id: str) -> tuple[float, int]:
        created = self._messages[message_id].created
        return (max(created, self._used.get(message_id, created)), self._order[message_id])


# -- operations on a conversation's current path -------------------------------------------------


def tree_of(conversation: Conversation) -> ConversationTree:
    """The conversation's tree, up to date with whatever was appended to its path."""
    tree = conversation.tree
    tree.adopt(conversation.messages)
    return tree


def branch_points(conversation: Conversation) -> dict[str, Branching]:
    """Where the current path has other versions: message id -> its place among its siblings,
    for the messages that have siblings (what the log marks "2/3")."""
    tree = tree_of(conversation)
    out = {}
    for message in conversation.messages:
        place = tree.branching(message.id)
        if place.count > 1:
            out[message.id] = place
    return out


def show_branch(conversation: Conversation, message_id: str, *, now: float | None = None) -> None:
    """Make the branch that holds `message_id` the current path (e.g. a search hit)."""
    tree = tree_of(conversation)
    path = tree.branch_through(message_id)
    conversation.messages[:] = path
    if now is not None:
        tree.mark_used(path[-1].id, now)
    refresh_previous_versions(conversation)


def switch_sibling(conversation: Conversation, message_id: str, step: int, *, now: float) -> bool:
    """Show the previous (step -1) or next (+1) sibling of `message_id` and, below it, the
    branch used last. False (nothing changes) past either end."""
    tree = tree_of(conversation)
    target = tree.sibling(message_id, step)
    if target is None:
        return False
    show_branch(conversation, target.id, now=now)
    return True


def branch_above(conversation: Conversation, message_id: str) -> None:
    """Cut the current path just above `message_id`: whatever is appended next becomes a new
    sibling of it (edit a user message, regenerate a reply). Nothing is deleted: the old
    branch stays in the tree."""
    tree = tree_of(conversation)
    parent = tree.parent_id(message_id)
    conversation.messages[:] = [] if parent is None else tree.path_to(parent)
    refresh_previous_versions(conversation)


def add_sibling(conversation: Conversation, message_id: str, message: Message) -> Message:
    """`message` as the newest sibling of `message_id`, at the end of the current path."""
    branch_above(conversation, message_id)
    conversation.messages.append(message)
    tree_of(conversation)
    return message


def fork_path(conversation: Conversation, message_id: str) -> list[Message]:
    """Copies (new ids) of the path from the root to `message_id`, for a new conversation.

    A tool round is not cut in two: forking at an assistant message with tool calls (or at one
    of its results) also copies the results still owed to its calls, taken from the branch the
    fork is made on (the current path when it holds `message_id`, else the branch used last
    through it), so the fork's next request is one a server accepts (an assistant message with
    tool calls must be followed by their results)."""
    from tui_chat.engine.conversation import new_id

    tree = tree_of(conversation)
    path = tree.path_to(message_id)
    on_screen = any(m.id == message_id for m in conversation.messages)
    branch = conversation.messages if on_screen else tree.branch_through(message_id)
    path += _results_owed(path, branch[len(path) :])
    return [
        replace(
            m,
            id=new_id(),
            previous_versions=[],
            tool_calls=list(m.tool_calls),
            activity=replace(m.activity) if m.activity is not None else None,
            attachments=list(m.attachments),
        )
        for m in path
    ]


def _results_owed(path: Sequence[Message], after: Sequence[Message]) -> list[Message]:
    """The tool results in `after` (the branch below the end of `path`) that answer calls of
    the tool round `path` ends in: as many as its calls still lack, and only consecutive ones."""
    answered = 0
    for message in reversed(path):
        if message.role in ("tool", "function"):
            answered += 1
            continue
        owed = len(message.tool_calls) - answered if message.role == "assistant" else 0
        break
    else:
        return []
    results: list[Message] = []
    for message in after[: max(owed, 0)]:
        if message.role not in ("tool", "function"):
            break
        results.append(message)
    return results


# -- the earlier-versions view today's UI shows --------------------------------------------------


def refresh_previous_versions(conversation: Conversation) -> None:
    """Fill `Message.previous_versions` from the tree (a derived, read-only view kept for
    today's "N earlier versions" note): on the final reply of each turn of the path, the final
    replies of the earlier sibling branches under that turn's user message."""
    tree = tree_of(conversation)
    path = conversation.messages
    for message in path:
        message.previous_versions = []
    for i, user in enumerate(path):
        if user.role != "user" or i + 1 >= len(path):
            continue
        on_path = path[i + 1]
        turn_end = next((j for j in range(i + 1, len(path)) if path[j].role == "user"), len(path))
        final = next((m for m in reversed(path[i + 1 : turn_end]) if m.role == "assistant"), None)
        if final is None:
            continue
        older: list[str] = []
        for sibling in tree.children(user.id):
            if sibling.id == on_path.id:
                break
            text = _final_reply_text(tree, sibling)
            if text:
                older.append(text)
        final.previous_versions = older


def _final_reply_text(tree: ConversationTree, first: Message) -> str:
    # Walk up from the leaf to `first` only: the path above it may be a thousand messages long.
    leaf = tree.leaf_below(first.id)
    below: list[Message] = []
    current: str | None = leaf.id if leaf is not None else None
    while current is not None:
        below.append(tree.get(current))
        if current == first.id:
            break
        current = tree.parent_id(current)
    text = ""
    for message in reversed(below):
        if message.role == "user":
            break
        if message.role == "assistant" and message.content:
            text = message.content
    return text


def versions_as_siblings(path: Sequence[Message]) -> list[tuple[Message, str | None]]:
    """A linear history written before branches (each reply's `previous_versions`, newest last)
    as tree nodes: the path under its parents, and each earlier version as an assistant
    message under the turn's user message, created just before the reply that replaced it.
    Used by the schema migration and by importing version 1 files."""
    from tui_chat.engine.conversation import Message

    nodes: list[tuple[Message, str | None]] = []
    parent: str | None = None
    user_index: int | None = None
    for i, message in enumerate(path):
        if message.role == "user":
            user_index = i
        nodes.append((message, parent))
        versions = [v for v in message.previous_versions]
        if versions and message.role == "assistant" and user_index is not None:
            first_reply = path[user_index + 1] if user_index + 1 < len(path) else message
            for n, text in enumerate(versions):
                older = Message(
                    "assistant",
                    text,
                    model=message.model,
                    created=first_reply.created - (len(versions) - n) * 1e-3,
                )
                nodes.append((older, path[user_index].id))
        message.previous_versions = []
        parent = message.id
    return nodes
