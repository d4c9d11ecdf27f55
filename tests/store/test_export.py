"""Markdown transcripts for people, JSON that round-trips, and imports that explain failures."""

from __future__ import annotations

import json

import pytest

from tests.store.support import chat, weather_conversation
from tui_chat.engine.conversation import Message
from tui_chat.store import SessionStore
from tui_chat.store.export import (
    FORMAT,
    AlreadyImported,
    ImportFailed,
    import_json,
    parse_json,
    to_json,
    to_markdown,
)


def exported(store: SessionStore, session_id: str) -> str:
    return to_json(store.load(session_id), store.summary(session_id))


def test_the_markdown_transcript_reads_like_the_conversation(store: SessionStore) -> None:
    conv = weather_conversation()
    store.save_conversation(conv, provider="openai")

    md = to_markdown(store.load(conv.id), store.summary(conv.id))

    assert md.startswith("# What's the weather in Paris today?\n")
    assert "- Model: gpt-4o-mini" in md and "- Provider: openai" in md and f"- Session: {conv.id}" in md
    assert "## System prompt\n\n> You are terse." in md
    assert md.index("## User") < md.index("## Assistant") < md.index("### Tool result")
    assert '**Tool call** `get_weather`\n\n```json\n{\n  "city": "Paris"\n}\n```' in md
    assert '### Tool result: `get_weather` (ok, 0.4 s)\n\n```\n{"temperature": 21, "sky": "sunny"}\n```' in md
    assert md.rstrip().endswith("It is sunny and 21 °C in Paris.")


def test_markdown_marks_unfinished_replies_and_survives_backticks(store: SessionStore) -> None:
    conv = chat("show code")
    conv.add(Message("tool", "```py\nprint(1)\n```", tool_call_id="c", name="run"))
    conv.add(Message("assistant", "Partial", status="streaming"))
    store.save_conversation(conv)

    md = to_markdown(store.load(conv.id), store.summary(conv.id))

    assert "````\n```py\nprint(1)\n```\n````" in md  # a longer fence: the content cannot close it
    assert "*(interrupted: tui-chat stopped while this reply was streaming)*" in md


def test_a_replys_own_headings_sit_below_the_transcripts_structure(store: SessionStore) -> None:
    reply = "# Plan\n\nText.\n\n## Step 1\n\n```md\n# not a heading: code\n```\n\n###### deepest"
    conv = chat("make a plan", reply)
    store.save_conversation(conv)

    md = to_markdown(store.load(conv.id), store.summary(conv.id))

    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == [
        "# make a plan",
        "## User",
        "## Assistant",
        "#### Plan",
        "##### Step 1",
        "# not a heading: code",  # inside the fence, as written
        "###### deepest",
    ]


def test_json_export_round_trips_into_an_identical_session(store: SessionStore) -> None:
    conv = weather_conversation()
    conv.messages[3].reasoning = "The tool said sunny.\nSay it briefly."
    store.save_conversation(conv, provider="azure")
    store.set_archived(conv.id)
    text = exported(store, conv.id)
    before = (store.load(conv.id), store.summary(conv.id))
    store.delete(conv.id)

    result = import_json(store, text)

    assert (result.session_id, result.replaced_id) == (conv.id, None)
    assert (result.title, result.message_count) == ("What's the weather in Paris today?", 3)
    assert (store.load(conv.id), store.summary(conv.id)) == before
    assert json.loads(exported(store, conv.id))["session"] == json.loads(text)["session"]
    assert store.load(conv.id).messages[3].reasoning == "The tool said sunny.\nSay it briefly."


def test_markdown_shows_the_thinking_folded_above_the_answer(store: SessionStore) -> None:
    conv = chat("hi")
    conv.add(Message("assistant", "Hello!", reasoning="The user greets me.\n\nGreet back."))
    store.save_conversation(conv)

    md = to_markdown(store.load(conv.id), store.summary(conv.id))

    thinking = "<details><summary>Thinking</summary>\n\n> The user greets me.\n>\n> Greet back.\n\n</details>"
    assert f"## Assistant\n\n{thinking}\n\nHello!" in md


def test_importing_a_session_that_exists_adds_a_copy_under_a_new_id_only_if_asked(
    store: SessionStore,
) -> None:
    conv = weather_conversation()
    store.save_conversation(conv)
    text = exported(store, conv.id)

    with pytest.raises(AlreadyImported) as already:
        import_json(store, text)
    assert already.value.session_id == conv.id and len(store.list_sessions()) == 1
    result = import_json(store, text, copy=True)

    assert result.replaced_id == conv.id and result.session_id != conv.id
    assert store.load(result.session_id).messages == store.load(conv.id).messages
    assert len(store.list_sessions()) == 2


def minimal(**session: object) -> str:
    return json.dumps({"format": FORMAT, "version": 1, "session": {"messages": [], **session}})


def test_a_hand_written_minimal_file_imports(store: SessionStore) -> None:
    text = minimal(messages=[{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}])
    result = import_json(store, text)
    assert [m.content for m in store.load(result.session_id).messages] == ["hello", "hi"]
    assert result.title == "hello"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ("[1, 2]", 'not a tui-chat session export (expected "format": "tui-chat-session")'),
        (json.dumps({"format": "something-else"}), "not a tui-chat session export"),
        (json.dumps({"format": FORMAT, "version": 7, "session": {}}), "unsupported export version 7"),
        (json.dumps({"format": FORMAT, "version": 1}), "missing field session"),
        (json.dumps({"format": FORMAT, "version": 1, "session": {}}), "missing field session.messages"),
        (minimal(messages=[{"content": "x"}]), "missing field session.messages[0].role"),
        (minimal(messages=[{"role": "wizard"}]), "session.messages[0].role is 'wizard'; expected one of"),
        (minimal(messages=[{"role": "user", "content": 5}]), "session.messages[0].content must be a string"),
        (minimal(messages=["hello"]), "session.messages[0] must be an object"),
        (minimal(created="yesterday"), "session.created must be a number, not str"),
        (
            minimal(messages=[{"role": "assistant", "tool_calls": [{"id": "c"}]}]),
            "missing field session.messages[0].tool_calls[0].name",
        ),
        (
            minimal(messages=[{"role": "tool", "activity": {"status": "exploded"}}]),
            "session.messages[0].activity.status is 'exploded'",
        ),
    ],
)
def test_a_bad_file_is_rejected_with_the_reason(store: SessionStore, text: str, problem: str) -> None:
    with pytest.raises(ImportFailed) as failed:
        parse_json(text)
    assert problem in str(failed.value)
    with pytest.raises(ImportFailed):
        import_json(store, text)
    assert store.list_sessions(include_archived=True) == []  # nothing half-imported


def test_a_system_prompt_changed_mid_session_is_exported_where_it_changed(store: SessionStore) -> None:
    conv = chat("hi", "Hello.")
    conv.system_prompt = "You are terse."
    conv.add(Message("system", "Answer in French."))
    conv.add(Message("user", "again"))
    conv.add(Message("assistant", "Bonjour."))
    conv.add(Message("system", ""))
    store.save_conversation(conv)

    loaded = store.load(conv.id)
    md = to_markdown(loaded, store.summary(conv.id))

    assert "## System prompt\n\n> You are terse." in md  # what applied from the start
    changed = md.index("## System prompt changed\n\n*(from here on)*\n\n> Answer in French.")
    assert md.index("Hello.") < changed < md.index("again") < md.index("## System prompt removed")
    assert loaded.current_system_prompt is None
    assert parse_json(exported(store, conv.id)).conversation.messages[2].role == "system"  # JSON keeps it
