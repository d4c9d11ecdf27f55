"""Conversations as trees (issue 10): every edit and regenerate is a sibling branch, nothing is
lost, the branch on screen is saved, search finds every branch, a fork copies a path."""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.store.support import chat
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.engine.conversation_tree import (
    Branching,
    add_sibling,
    branch_above,
    branch_points,
    fork_path,
    show_branch,
    switch_sibling,
    tree_of,
)
from tui_chat.engine.events import MessageAdded, TurnEnded
from tui_chat.store import SessionRecorder, SessionStore
from tui_chat.store.export import ImportFailed, import_json, to_json, to_markdown


def contents(messages: list[Message]) -> list[str | None]:
    return [m.content for m in messages]


def branched() -> tuple[Conversation, dict[str, Message]]:
    """Q1 with two replies (A1, then A2 regenerated); under A1 a follow-up Q2 -> A3, and Q2
    edited into Q2b -> A4. Current path: Q1 A1 Q2b A4. Times one second apart."""
    conv = Conversation(model="m")
    q1 = conv.add(Message("user", "Q1", created=1.0))
    a1 = conv.add(Message("assistant", "A1", created=2.0))
    conv.add(Message("user", "Q2", created=3.0))
    conv.add(Message("assistant", "A3", created=4.0))
    a2 = add_sibling(conv, a1.id, Message("assistant", "A2", created=5.0))
    show_branch(conv, a1.id)  # back to A1's branch: Q2 A3, the only leaf there
    q2 = conv.messages[2]
    q2b = add_sibling(conv, q2.id, Message("user", "Q2b", created=6.0))
    a4 = conv.add(Message("assistant", "A4", created=7.0))
    return conv, {"q1": q1, "a1": a1, "a2": a2, "q2": q2, "q2b": q2b, "a4": a4}


# -- the tree model ----------------------------------------------------------------------------


def test_siblings_are_ordered_by_creation_and_numbered_from_one() -> None:
    conv, m = branched()
    tree = tree_of(conv)
    assert contents(conv.messages) == ["Q1", "A1", "Q2b", "A4"]
    assert contents(tree.siblings(m["a1"].id)) == ["A1", "A2"]
    assert tree.branching(m["a1"].id) == Branching(1, 2)
    assert tree.branching(m["q2b"].id) == Branching(2, 2)
    assert tree.branching(m["q1"].id) == Branching(1, 1)
    assert len(tree) == 7  # nothing was lost by editing or regenerating


def test_branch_points_name_the_messages_on_the_path_that_have_other_versions() -> None:
    conv, m = branched()
    assert branch_points(conv) == {m["a1"].id: Branching(1, 2), m["q2b"].id: Branching(2, 2)}


def test_switching_a_sibling_shows_the_branch_used_last_below_it() -> None:
    conv, m = branched()
    assert switch_sibling(conv, m["q2b"].id, -1, now=10.0)
    assert contents(conv.messages) == ["Q1", "A1", "Q2", "A3"]
    assert switch_sibling(conv, m["a1"].id, +1, now=11.0)
    assert contents(conv.messages) == ["Q1", "A2"]
    assert not switch_sibling(conv, m["a2"].id, +1, now=12.0)  # past the end: nothing changes
    assert contents(conv.messages) == ["Q1", "A2"]
    # Back to A1: the branch below is the one used last there (Q2 -> A3, switched to at 10),
    # not the newest created (Q2b -> A4, created at 7).
    switch_sibling(conv, m["a2"].id, -1, now=13.0)
    assert contents(conv.messages) == ["Q1", "A1", "Q2", "A3"]


def test_cutting_the_path_above_a_message_makes_the_next_message_its_sibling() -> None:
    conv = chat("Q1", "A1", "Q2", "A2")
    q2 = conv.messages[2]
    branch_above(conv, q2.id)
    assert contents(conv.messages) == ["Q1", "A1"]
    conv.add(Message("user", "Q2 edited"))
    assert contents(tree_of(conv).siblings(q2.id)) == ["Q2", "Q2 edited"]
    # Editing the very first message: a second root.
    branch_above(conv, conv.messages[0].id)
    assert conv.messages == []
    conv.add(Message("user", "Q1 edited"))
    assert tree_of(conv).branching(conv.messages[0].id) == Branching(2, 2)


def test_a_regenerated_reply_shows_its_earlier_versions() -> None:
    conv = chat("Q1", "first")
    branch_above(conv, conv.messages[1].id)
    conv.add(Message("assistant", "second"))
    show_branch(conv, conv.messages[1].id)  # refreshes the derived view
    assert conv.messages[1].previous_versions == ["first"]


def test_a_fork_copies_the_path_up_to_a_message_under_new_ids() -> None:
    conv, m = branched()
    copied = fork_path(conv, m["q2b"].id)
    assert contents(copied) == ["Q1", "A1", "Q2b"]
    assert not {c.id for c in copied} & {x.id for x in conv.messages}


# -- stored ------------------------------------------------------------------------------------


def test_a_saved_tree_reopens_at_its_current_leaf_with_every_branch(store: SessionStore) -> None:
    conv, m = branched()
    store.save_conversation(conv)
    loaded = store.load(conv.id)
    assert contents(loaded.messages) == ["Q1", "A1", "Q2b", "A4"]
    assert len(loaded.tree) == 7
    assert loaded.tree.branching(m["a1"].id) == Branching(1, 2)
    assert contents(loaded.tree.siblings(m["q2b"].id)) == ["Q2", "Q2b"]


def test_a_branch_switch_is_saved_and_survives_reopening(store: SessionStore) -> None:
    conv, m = branched()
    store.save_conversation(conv)
    switched = store.switch_branch(conv.id, m["q2b"].id, -1)
    assert switched is not None and contents(switched.messages) == ["Q1", "A1", "Q2", "A3"]
    assert contents(store.load(conv.id).messages) == ["Q1", "A1", "Q2", "A3"]
    assert store.switch_branch(conv.id, m["q2"].id, -1) is None  # first already
    # Away to A2 and back: A1's branch comes back as last used (Q2 -> A3).
    store.switch_branch(conv.id, m["a1"].id, +1)
    again = store.switch_branch(conv.id, m["a2"].id, -1)
    assert again is not None and contents(again.messages) == ["Q1", "A1", "Q2", "A3"]


def test_the_recorder_branches_on_regenerate_and_edit_and_deletes_nothing(store: SessionStore) -> None:
    """Today's app: regenerate and edit cut the path, sync, then append."""
    conv = Conversation(model="m")
    recorder = SessionRecorder(store, conv)
    question = conv.add(Message("user", "Q1"))
    recorder.record_user_message(question).result(timeout=10)
    first = conv.add(Message("assistant", "first answer"))
    recorder.handle(MessageAdded(first))
    recorder.handle(TurnEnded("first answer", "answered"))
    del conv.messages[1:]  # regenerate
    recorder.sync().result(timeout=10)
    second = conv.add(Message("assistant", "second answer", previous_versions=["first answer"]))
    recorder.handle(MessageAdded(second))
    recorder.handle(TurnEnded("second answer", "answered"))
    del conv.messages[0:]  # edit & resend the first question
    recorder.sync().result(timeout=10)
    edited = conv.add(Message("user", "Q1, better"))
    recorder.record_user_message(edited).result(timeout=10)
    recorder.close()

    loaded = store.load(conv.id)
    assert contents(loaded.messages) == ["Q1, better"]
    assert contents([msg for msg, _ in loaded.tree.nodes()]) == [
        "Q1",
        "first answer",
        "second answer",
        "Q1, better",
    ]
    old = store.load_branch(conv.id, second.id)
    assert contents(old.messages) == ["Q1", "second answer"]
    assert old.messages[1].previous_versions == ["first answer"]


def test_add_sibling_saves_the_new_version_as_the_current_leaf(store: SessionStore) -> None:
    conv = chat("Q1", "A1")
    store.save_conversation(conv)
    edited = store.add_sibling(conv.id, conv.messages[0].id, Message("user", "Q1 again"))
    assert contents(edited.messages) == ["Q1 again"]
    reopened = store.load(conv.id)
    assert contents(reopened.messages) == ["Q1 again"]
    assert reopened.tree.branching(reopened.messages[0].id) == Branching(2, 2)


def test_search_finds_text_on_a_branch_not_on_screen_and_opens_that_branch(store: SessionStore) -> None:
    conv, m = branched()
    store.save_conversation(conv)  # current: Q1 A1 Q2b A4; "A3" is on the other branch
    hit = next(h for h in store.search("A3", per_session=None) if h.message_id)
    assert (hit.session_id, hit.message_id) == (conv.id, conv.tree.children(m["q2"].id)[0].id)
    opened = store.load_branch(hit.session_id, hit.message_id or "")
    assert contents(opened.messages) == ["Q1", "A1", "Q2", "A3"]
    assert contents(store.load(conv.id).messages) == ["Q1", "A1", "Q2", "A3"]  # saved as current
    peek = store.load_branch(conv.id, m["a2"].id, make_current=False)
    assert contents(peek.messages) == ["Q1", "A2"]
    assert contents(store.load(conv.id).messages) == ["Q1", "A1", "Q2", "A3"]


def test_a_fork_is_a_new_session_linked_to_its_origin(store: SessionStore) -> None:
    conv, m = branched()
    conv.title = "Trip"
    store.save_conversation(conv, provider="openai")
    fork_id = store.fork(conv.id, m["q2b"].id)
    fork = store.load(fork_id)
    summary = store.summary(fork_id)
    assert contents(fork.messages) == ["Q1", "A1", "Q2b"]
    assert len(fork.tree) == 3  # only the path, not the other branches
    assert (summary.title, summary.provider) == ("Trip (fork)", "openai")
    assert (summary.origin_session, summary.origin_message) == (conv.id, m["q2b"].id)
    assert len(store.load(conv.id).tree) == 7  # the origin is untouched


def test_a_branched_session_continues_its_current_branch(store: SessionStore) -> None:
    conv, _ = branched()
    store.save_conversation(conv)
    reopened = store.load(conv.id)
    recorder = SessionRecorder(store, reopened)
    question = reopened.add(Message("user", "Q3"))
    recorder.record_user_message(question).result(timeout=10)
    recorder.close()
    again = store.load(conv.id)
    assert contents(again.messages) == ["Q1", "A1", "Q2b", "A4", "Q3"]
    assert len(again.tree) == 8


# -- export and import -------------------------------------------------------------------------


def test_a_tree_exports_to_json_and_imports_back_exactly(store: SessionStore) -> None:
    conv, m = branched()
    store.save_conversation(conv, provider="openai")
    store.switch_branch(conv.id, m["q2b"].id, -1)  # a leaf with a "used" time, off the newest
    text = to_json(store.load(conv.id), store.summary(conv.id))
    assert json.loads(text)["version"] == 2
    before = store.load(conv.id)
    store.delete(conv.id)

    import_json(store, text)

    after = store.load(conv.id)
    assert after.messages == before.messages
    assert list(after.tree.nodes()) == list(before.tree.nodes())
    assert [after.tree.used(x.id) for x, _ in after.tree.nodes()] == [
        before.tree.used(x.id) for x, _ in before.tree.nodes()
    ]
    assert json.loads(to_json(after, store.summary(conv.id)))["session"] == json.loads(text)["session"]


def test_a_fork_keeps_its_origin_through_export_and_import(store: SessionStore) -> None:
    conv = chat("Q1", "A1")
    store.save_conversation(conv)
    fork_id = store.fork(conv.id, conv.messages[1].id)
    text = to_json(store.load(fork_id), store.summary(fork_id))
    store.delete(fork_id)
    import_json(store, text)
    assert store.summary(fork_id).origin_session == conv.id


def test_a_version_1_file_imports_with_its_earlier_versions_as_siblings(store: SessionStore) -> None:
    document = {
        "format": "tui-chat-session",
        "version": 1,
        "session": {
            "id": "v1-session",
            "messages": [
                {"id": "u", "role": "user", "content": "Q", "created": 100.0},
                {
                    "id": "a",
                    "role": "assistant",
                    "content": "third",
                    "created": 101.0,
                    "previous_versions": ["first", "second"],
                },
            ],
        },
    }
    import_json(store, json.dumps(document))
    loaded = store.load("v1-session")
    assert contents(loaded.messages) == ["Q", "third"]
    assert contents(loaded.tree.siblings("a")) == ["first", "second", "third"]
    assert loaded.messages[1].previous_versions == ["first", "second"]


def test_a_tree_file_with_a_dangling_parent_is_refused(store: SessionStore) -> None:
    document = {
        "format": "tui-chat-session",
        "version": 2,
        "session": {"messages": [{"id": "x", "parent": "nowhere", "role": "user", "content": "hi"}]},
    }
    with pytest.raises(ImportFailed, match="parent 'nowhere' is not a message in the file"):
        import_json(store, json.dumps(document))


def test_markdown_exports_the_current_branch_and_says_where_other_versions_are(
    store: SessionStore,
) -> None:
    conv, _ = branched()
    store.save_conversation(conv)
    md = to_markdown(store.load(conv.id), store.summary(conv.id))
    assert "A1" in md and "Q2b" in md and "A4" in md
    assert "A2" not in md and "A3" not in md and "\nQ2\n" not in md
    assert md.count("*(version 1 of 2; the others are in the app and the JSON export)*") == 1  # A1
    assert md.count("*(version 2 of 2; the others are in the app and the JSON export)*") == 1  # Q2b


# -- the migration from the release before branches --------------------------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "release-a9eb3e1.sqlite3"


def test_a_database_written_by_the_release_before_branches_migrates_into_a_tree(db_path: Path) -> None:
    """fixtures/make_release_db.py wrote it with main a9eb3e1's code (schema version 4)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURE, db_path)

    with SessionStore.open(db_path) as store:
        assert store.warning is None
        weather = next(s for s in store.list_sessions() if s.title == "What is the weather in Paris?")
        conv = store.load(weather.id)
        assert [m.role for m in conv.messages] == [
            "user",
            "assistant",
            "tool",
            "assistant",
            "user",
            "assistant",
        ]
        assert conv.messages[1].tool_calls[0].name == "get_weather"
        assert conv.messages[2].activity is not None and conv.messages[2].activity.status == "ok"
        assert conv.messages[3].reasoning == "The tool said so."
        last = conv.messages[5]
        assert (last.content, last.status) == ("Tomorrow in Lyon it will", "interrupted")
        # The two earlier versions are sibling replies under the question, oldest first.
        question = conv.messages[0]
        assert contents(conv.tree.children(question.id)) == ["I cannot know that.", "Probably mild.", ""]
        assert conv.tree.branching(conv.messages[1].id) == Branching(3, 3)
        assert conv.messages[3].previous_versions == ["I cannot know that.", "Probably mild."]
        assert conv.to_api()[0] == {"role": "system", "content": "You are terse."}
        # Searchable, and a hit opens its branch.
        hit = next(h for h in store.search("mild") if h.message_id)
        opened = store.load_branch(hit.session_id, hit.message_id or "")
        assert contents(opened.messages) == ["What is the weather in Paris?", "Probably mild."]
        plain = next(s for s in store.list_sessions() if s.title == "Name a sourdough starter trick")
        assert contents(store.load(plain.id).messages) == [
            "Name a sourdough starter trick",
            "Feed it twice a day.",
            "Why?",
            "It keeps the yeast active.",
        ]
        assert len(store.load(plain.id).tree) == 4
        with closing(sqlite3.connect(db_path)) as conn:
            query = "SELECT count(*) FROM messages WHERE previous_versions IS NOT NULL"
            stored = conn.execute(query).fetchone()[0]
        assert stored == 0  # the versions live in the siblings now, once


def test_the_open_conversations_tree_knows_every_recorded_message_after_a_cut(store: SessionStore) -> None:
    """Today's UI cuts the path itself (del messages[...]): what was recorded stays a sibling
    in memory too, so the branch UI's "2/2" is right before any reload."""
    conv = Conversation(model="m")
    recorder = SessionRecorder(store, conv)
    question = conv.add(Message("user", "Q"))
    recorder.record_user_message(question).result(timeout=10)
    first = conv.add(Message("assistant", "one"))
    recorder.handle(MessageAdded(first))
    del conv.messages[1:]
    recorder.sync().result(timeout=10)
    second = conv.add(Message("assistant", "two"))
    recorder.handle(MessageAdded(second))
    recorder.close()
    assert tree_of(conv).branching(second.id) == Branching(2, 2)
    assert store.load(conv.id).tree.branching(second.id) == Branching(2, 2)


# -- forks and tool rounds ---------------------------------------------------------------------


def tool_round() -> tuple[Conversation, dict[str, Message]]:
    """Q -> an assistant message calling two tools -> their two results -> the answer."""
    conv = Conversation(model="m")
    q = conv.add(Message("user", "Weather in Paris and Rome?", created=1.0))
    calls = [ToolCall("call_0", "get_weather", '{"city": "Paris"}'), ToolCall("call_1", "get_weather", "{}")]
    calling = conv.add(Message("assistant", "", tool_calls=calls, created=2.0))
    paris = conv.add(
        Message(
            "tool",
            "sunny",
            tool_call_id="call_0",
            name="get_weather",
            activity=ToolActivity(status="ok"),
            created=3.0,
        )
    )
    rome = conv.add(Message("tool", "rain", tool_call_id="call_1", name="get_weather", created=4.0))
    answer = conv.add(Message("assistant", "Sunny in Paris, rain in Rome.", created=5.0))
    return conv, {"q": q, "calling": calling, "paris": paris, "rome": rome, "answer": answer}


def test_a_fork_at_a_tool_call_carries_the_results_of_its_calls() -> None:
    conv, m = tool_round()
    copied = fork_path(conv, m["calling"].id)
    assert [(c.role, c.content) for c in copied] == [
        ("user", "Weather in Paris and Rome?"),
        ("assistant", ""),
        ("tool", "sunny"),
        ("tool", "rain"),
    ]
    assert [c.tool_call_id for c in copied[2:]] == ["call_0", "call_1"]
    # Forking at the first result also brings the second: the round is not cut in two.
    assert contents(fork_path(conv, m["paris"].id)) == contents(copied)
    # Copies: a later change to the fork's tool activity leaves the origin's alone.
    assert copied[2].activity is not None and copied[2].activity is not m["paris"].activity


def test_a_fork_at_a_tool_call_takes_the_results_of_the_branch_it_is_made_on() -> None:
    conv, m = tool_round()
    # Another branch below the call: a different first result (added outside a turn).
    other = add_sibling(conv, m["paris"].id, Message("tool", "fog", tool_call_id="call_0", created=6.0))
    assert contents(fork_path(conv, m["calling"].id)) == ["Weather in Paris and Rome?", "", "fog"]
    show_branch(conv, m["answer"].id)  # back to the first branch on screen
    assert contents(fork_path(conv, m["calling"].id))[2:] == ["sunny", "rain"]
    # A fork at a message of a branch not on screen: the branch used last through it.
    assert contents(fork_path(conv, other.id))[2:] == ["fog"]


def test_a_forked_tool_round_is_saved_with_its_results(store: SessionStore) -> None:
    conv, m = tool_round()
    store.save_conversation(conv)
    fork = store.load(store.fork(conv.id, m["calling"].id))
    assert [x.role for x in fork.messages] == ["user", "assistant", "tool", "tool"]
    assert [c.id for c in fork.messages[1].tool_calls] == ["call_0", "call_1"]


def test_editing_or_regenerating_after_a_tool_round_keeps_the_round() -> None:
    conv, m = tool_round()
    follow_up = conv.add(Message("user", "And tomorrow?", created=7.0))
    conv.add(Message("assistant", "Rain in both.", created=8.0))
    # Editing the follow-up: the round above it stays on the path, whole.
    add_sibling(conv, follow_up.id, Message("user", "And in Berlin?", created=9.0))
    assert contents(conv.messages)[:5] == contents(tool_round()[0].messages)[:5]
    assert contents(conv.messages)[5:] == ["And in Berlin?"]
    # Regenerating the answer cuts above the turn's first reply: the old round stays in the
    # tree, under its call, with both results.
    branch_above(conv, m["calling"].id)
    assert contents(conv.messages) == ["Weather in Paris and Rome?"]
    tree = tree_of(conv)
    assert contents(tree.children(m["calling"].id)) == ["sunny"]
    assert contents(tree.children(m["paris"].id)) == ["rain"]
