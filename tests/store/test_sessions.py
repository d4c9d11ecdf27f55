"""Saving, reopening, listing and managing sessions."""

from __future__ import annotations

import pytest

from tests.store.support import chat, weather_conversation
from tui_chat.engine.conversation import Message
from tui_chat.store import AmbiguousSessionId, SessionNotFound, SessionStore


def test_a_reopened_session_is_the_conversation_exactly_as_saved(store: SessionStore) -> None:
    conv = weather_conversation(title="Paris weather")
    store.save_conversation(conv, provider="openai")

    loaded = store.load(conv.id)

    assert loaded == conv  # every field: tool calls, activity, usage, ids, times
    assert loaded.messages[2].activity is not None and loaded.messages[2].activity.duration == 0.42
    assert loaded.to_api() == conv.to_api()


def test_the_title_comes_from_the_first_user_message(store: SessionStore) -> None:
    conv = chat("\n\n  Plan a   trip to Lisbon  \nfor four days", "Sure.")
    store.save_conversation(conv)
    assert store.summary(conv.id).title == "Plan a trip to Lisbon"


def test_a_long_first_message_makes_a_short_title_cut_at_a_word(store: SessionStore) -> None:
    conv = chat("Explain how the write-ahead log in SQLite lets readers and writers work at the same time")
    store.save_conversation(conv)
    assert store.summary(conv.id).title == "Explain how the write-ahead log in SQLite lets readers and…"


def test_a_rename_sticks_when_the_conversation_is_saved_again(store: SessionStore) -> None:
    conv = chat("hello")
    store.save_conversation(conv)
    store.rename(conv.id, "  Greetings  ")
    conv.add(Message("assistant", "hi"))
    store.save_conversation(conv)  # conv.title is None: the derived title must not win
    assert store.summary(conv.id).title == "Greetings"
    assert store.load(conv.id).title == "Greetings"


def test_an_explicit_title_on_the_conversation_is_saved(store: SessionStore) -> None:
    conv = weather_conversation(title="Weather check")
    store.save_conversation(conv)
    assert store.summary(conv.id).title == "Weather check"


def test_sessions_are_listed_by_last_use_with_count_and_model(store: SessionStore) -> None:
    first, second = chat("first", "one"), chat("second", "two", "more", model="llama3")
    store.save_conversation(first)
    store.save_conversation(second)
    assert [s.title for s in store.list_sessions()] == ["second", "first"]

    first.add(Message("user", "back to the first"))
    store.save_conversation(first)
    listed = store.list_sessions()
    assert [s.title for s in listed] == ["first", "second"]
    assert (listed[1].message_count, listed[1].model) == (3, "llama3")
    assert store.most_recent_id() == first.id


def test_tool_messages_do_not_count_as_chat_messages(store: SessionStore) -> None:
    conv = weather_conversation()
    store.save_conversation(conv)
    assert store.summary(conv.id).message_count == 3  # user, tool-calling assistant, answer


def test_archived_sessions_are_hidden_unless_asked_for(store: SessionStore) -> None:
    kept, archived = chat("kept"), chat("archived")
    store.save_conversation(kept)
    store.save_conversation(archived)
    store.set_archived(archived.id)
    assert [s.title for s in store.list_sessions()] == ["kept"]
    assert {s.title for s in store.list_sessions(include_archived=True)} == {"kept", "archived"}
    assert store.most_recent_id() == kept.id
    store.set_archived(archived.id, False)
    assert len(store.list_sessions()) == 2


def test_delete_removes_the_session_and_its_messages(store: SessionStore) -> None:
    conv = weather_conversation()
    store.save_conversation(conv)
    store.delete(conv.id)
    assert store.list_sessions(include_archived=True) == []
    assert store.search("Paris") == []
    with pytest.raises(SessionNotFound):
        store.load(conv.id)


def test_ids_can_be_abbreviated_like_git(store: SessionStore) -> None:
    a, b = chat("a"), chat("b")
    a.id, b.id = "abc123" + "0" * 26, "abd456" + "0" * 26
    store.save_conversation(a)
    store.save_conversation(b)
    assert store.load("abc").id == a.id
    with pytest.raises(AmbiguousSessionId, match="several sessions"):
        store.load("ab")
    with pytest.raises(SessionNotFound, match="no saved session matches 'zzz'"):
        store.load("zzz")
    with pytest.raises(SessionNotFound):
        store.load("")


def test_missing_sessions_are_reported_for_every_operation(store: SessionStore) -> None:
    for operation in (
        lambda: store.rename("nope", "x"),
        lambda: store.delete("nope"),
        lambda: store.set_archived("nope"),
        lambda: store.summary("nope"),
    ):
        with pytest.raises(SessionNotFound):
            operation()


def test_a_reply_saved_mid_stream_reopens_as_interrupted(store: SessionStore) -> None:
    conv = chat("Write a poem")
    conv.add(Message("assistant", "Roses are", status="streaming"))
    store.save_conversation(conv)

    reply = store.load(conv.id).messages[-1]

    assert (reply.status, reply.content) == ("interrupted", "Roses are")
    assert reply.status_detail == "tui-chat stopped while this reply was streaming"


def test_saving_an_edited_conversation_drops_removed_messages(store: SessionStore) -> None:
    conv = chat("q", "first answer", "follow-up", "second answer")
    store.save_conversation(conv)
    del conv.messages[2:]  # e.g. the user went back and regenerated
    conv.messages[1].previous_versions.append("first answer")
    conv.messages[1].content = "better answer"
    store.save_conversation(conv)
    assert [m.content for m in store.load(conv.id).messages] == ["q", "better answer"]


def test_the_store_can_be_reopened_and_keeps_everything(db_path, store: SessionStore) -> None:
    conv = weather_conversation(title="Paris weather")
    store.save_conversation(conv)
    store.close()
    with SessionStore.open(db_path) as again:
        assert again.warning is None
        assert again.load(conv.id) == conv
