"""Full-text search: incremental, highlighted, always in step with the data."""

from __future__ import annotations

import pytest

from tests.store.support import chat, weather_conversation
from tui_chat.engine.conversation import Message
from tui_chat.engine.conversation_tree import add_sibling
from tui_chat.store import SearchHit, SessionStore
from tui_chat.store.search import MATCH_END, MATCH_START, fts_query


def marked(hit: SearchHit) -> str:
    return hit.highlighted("[", "]")


def test_search_finds_words_in_any_message_and_highlights_them(store: SessionStore) -> None:
    conv = weather_conversation()
    store.save_conversation(conv)
    store.save_conversation(chat("Recipe for pancakes", "Flour, eggs and milk."))

    [hit] = store.search("sunny")

    assert hit.session_id == conv.id
    assert hit.title == "What's the weather in Paris today?"
    assert hit.role == "tool" and hit.message_id == conv.messages[2].id
    assert marked(hit) == '{"temperature": 21, "sky": "[sunny]"}'
    assert hit.segments() == [('{"temperature": 21, "sky": "', False), ("sunny", True), ('"}', False)]


def test_every_keystroke_of_an_unfinished_word_finds_matches(store: SessionStore) -> None:
    store.save_conversation(chat("tell me about", "Pancakes are thin flat cakes."))
    for typed in ("p", "pa", "panc", "pancake", "pancakes", "thin pan", "PANCAKES"):
        assert len(store.search(typed)) == 1, typed
    assert store.search("pancakesx") == []


def test_a_finished_word_matches_only_whole_words(store: SessionStore) -> None:
    store.save_conversation(chat("I like pancakes"))
    assert store.search("pan") != []
    assert store.search("pan ") == []  # the space says the word is complete


def test_all_words_must_appear_in_one_message(store: SessionStore) -> None:
    store.save_conversation(chat("blue whales", "green frogs"))
    assert len(store.search("blue whale")) == 1
    assert store.search("blue frogs") == []


def test_accents_do_not_matter(store: SessionStore) -> None:
    store.save_conversation(chat("Un café à Orléans"))
    [hit] = store.search("orleans cafe")
    assert marked(hit) == "Un [café] à [Orléans]"


def test_title_matches_come_first_and_each_session_appears_once(store: SessionStore) -> None:
    in_messages = chat("question", "Lisbon is lovely. Lisbon trams are yellow. Visit Lisbon.")
    in_title = chat("Lisbon itinerary", "Day one: Alfama.")
    store.save_conversation(in_messages)
    store.save_conversation(in_title)

    hits = store.search("lisbon")

    assert [h.session_id for h in hits] == [in_title.id, in_messages.id]
    assert hits[0].message_id is None and marked(hits[0]) == "[Lisbon] itinerary"
    assert len(store.search("lisbon", per_session=None)) == 3


def test_long_messages_give_a_short_snippet_around_the_match(store: SessionStore) -> None:
    words = [f"word{i}" for i in range(200)]
    words[120] = "needle"
    store.save_conversation(chat("haystack", " ".join(words)))
    [hit] = store.search("needle")
    assert MATCH_START + "needle" + MATCH_END in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.text.split()) <= 16


@pytest.mark.parametrize("typed", ['"', "AND", "NOT (", "a*b", "col:umn", "'; drop table x", "-", "^"])
def test_nothing_a_user_types_is_a_syntax_error(store: SessionStore, typed: str) -> None:
    store.save_conversation(chat("AND then col:umn and a*b"))
    store.search(typed)  # must not raise


def test_blank_queries_find_nothing(store: SessionStore) -> None:
    store.save_conversation(chat("anything"))
    assert store.search("") == []
    assert store.search("   ") == []
    assert fts_query(" ... ") is None


def test_the_index_follows_edits_renames_and_deletes(store: SessionStore) -> None:
    conv = chat("question", "original words")
    store.save_conversation(conv)
    conv.messages[1].content = "replacement text"
    store.save_conversation(conv)
    assert store.search("original") == []
    assert len(store.search("replacement")) == 1

    store.rename(conv.id, "Renamed thing")
    assert [h.message_id for h in store.search("renamed")] == [None]
    assert store.search("replacement", per_session=None)[0].title == "Renamed thing"

    store.delete(conv.id)
    assert store.search("replacement") == [] and store.search("renamed") == []


def test_archived_sessions_are_searched_only_when_asked(store: SessionStore) -> None:
    conv = chat("secret plans")
    store.save_conversation(conv)
    store.set_archived(conv.id)
    assert store.search("plans") == []
    [hit] = store.search("plans", include_archived=True)
    assert hit.archived


def test_a_streaming_reply_is_searchable_as_it_grows(store: SessionStore) -> None:
    conv = chat("story please")
    reply = conv.add(Message("assistant", "Once upon", status="streaming"))
    store.save_conversation(conv)
    reply.content = f"{reply.content} a time, a dragon"
    store.save_conversation(conv)
    assert len(store.search("dragon")) == 1
    assert store.search("upon dragon") != []


def test_the_snippet_is_the_window_with_the_most_of_the_words_searched(store: SessionStore) -> None:
    words = [f"filler{i}" for i in range(100)]
    words[10] = "alpha"
    words[60], words[63] = "alpha", "Béta"
    store.save_conversation(chat("q", " ".join(words)))
    [hit] = store.search("alpha beta")
    assert marked(hit).split() == [
        "…filler54",
        *[f"filler{i}" for i in range(55, 60)],
        "[alpha]",
        "filler61",
        "filler62",
        "[Béta]",
        *[f"filler{i}" for i in range(64, 69)],
        "filler69…",
    ]


def test_search_can_mark_the_hits_on_another_branch_than_the_one_shown(store: SessionStore) -> None:
    conv = chat("Which bread?", "Rye bread.")
    rye = conv.messages[1]
    sourdough = add_sibling(conv, rye.id, Message("assistant", "Sourdough bread."))
    store.save_conversation(conv)

    marked = {
        h.message_id: h.other_branch
        for h in store.search("bread", per_session=None, branches=True)
        if h.message_id
    }

    assert marked == {conv.messages[0].id: False, rye.id: True, sourdough.id: False}
    assert not any(h.other_branch for h in store.search("bread", per_session=None))  # not asked
    store.switch_branch(conv.id, sourdough.id, -1)  # rye on screen now
    marked = {
        h.message_id: h.other_branch
        for h in store.search("bread", per_session=None, branches=True)
        if h.message_id
    }
    assert marked == {conv.messages[0].id: False, rye.id: False, sourdough.id: True}
