"""Stream assembly without HTTP: chunk dicts in, text / calls / finish reason out."""

from __future__ import annotations

from typing import Any

from tests.fakeserver import chunk
from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.events import TextDelta, ToolCallArgumentsDelta, ToolCallStarted


def feed_all(*chunks: dict[str, Any]) -> tuple[StreamAssembler, list[Any]]:
    assembler = StreamAssembler("m1")
    events = [e for c in chunks for e in assembler.feed(c)]
    return assembler, events


def call(index: Any = 0, id: Any = None, name: Any = None, arguments: Any = None, **extra: Any) -> dict:
    function = {k: v for k, v in (("name", name), ("arguments", arguments)) if v is not None}
    delta = {"index": index, "function": function, **extra}
    if id is not None:
        delta["id"] = id
        delta["type"] = "function"
    return delta


def test_text_is_concatenated_and_reported_as_deltas() -> None:
    assembler, events = feed_all(chunk("Hel", role="assistant"), chunk("lo"), chunk(finish_reason="stop"))
    assert assembler.content == "Hello"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo"]
    assert assembler.finish_reason == "stop"


def test_finish_reason_survives_later_chunks_without_delta_or_choices() -> None:
    annotation = chunk()
    del annotation["choices"][0]["delta"]
    null_delta = chunk()
    null_delta["choices"][0]["delta"] = None
    assembler, _ = feed_all(
        chunk("x"),
        chunk(finish_reason="stop"),
        annotation,
        null_delta,
        {"choices": [], "usage": {"total": 3}},
    )
    assert assembler.finish_reason == "stop"
    assert assembler.usage == {"total": 3}


def test_standard_call_started_then_fragments() -> None:
    assembler, events = feed_all(
        chunk(tool_calls=[call(0, "call_a", "f", "")]),
        chunk(tool_calls=[call(0, arguments='{"a"')]),
        chunk(tool_calls=[call(0, arguments=": 1}")]),
    )
    assert [(c.id, c.name, c.arguments) for c in assembler.tool_calls] == [("call_a", "f", '{"a": 1}')]
    assert events[0] == ToolCallStarted("m1", 0, "call_a", "f")
    assert [e.delta for e in events if isinstance(e, ToolCallArgumentsDelta)] == ['{"a"', ": 1}"]


def test_repeated_id_type_and_name_are_not_concatenated() -> None:
    assembler, events = feed_all(
        chunk(tool_calls=[call(0, "call_a", "f", '{"a"')]),
        chunk(tool_calls=[call(0, "call_a", "f", ": 1}")]),
    )
    assert [(c.id, c.name, c.arguments) for c in assembler.tool_calls] == [("call_a", "f", '{"a": 1}')]
    assert len([e for e in events if isinstance(e, ToolCallStarted)]) == 1


def test_parallel_calls_interleaved_by_index() -> None:
    assembler, _ = feed_all(
        chunk(tool_calls=[call(0, "a", "f", "")]),
        chunk(tool_calls=[call(1, "b", "g", "")]),
        chunk(tool_calls=[call(0, arguments="{}")]),
        chunk(tool_calls=[call(1, arguments='{"x"')]),
        chunk(tool_calls=[call(1, arguments=":2}")]),
    )
    assert [(c.id, c.name, c.arguments) for c in assembler.tool_calls] == [
        ("a", "f", "{}"),
        ("b", "g", '{"x":2}'),
    ]


def test_first_index_may_be_one_null_or_missing() -> None:
    for first in (1, None):
        assembler, events = feed_all(
            chunk(tool_calls=[call(first, "a", "f", "")]), chunk(tool_calls=[call(first, arguments="{}")])
        )
        assert [(c.id, c.arguments) for c in assembler.tool_calls] == [("a", "{}")]
        assert events[0] == ToolCallStarted("m1", 0, "a", "f")  # positions are ours, from 0
    missing = call(0, "a", "f", "")
    del missing["index"]
    fragment = call(0, arguments="{}")
    del fragment["index"]
    assembler, _ = feed_all(chunk(tool_calls=[missing]), chunk(tool_calls=[fragment]))
    assert [(c.id, c.arguments) for c in assembler.tool_calls] == [("a", "{}")]


def test_all_calls_with_index_zero_but_different_ids() -> None:
    assembler, _ = feed_all(
        chunk(tool_calls=[call(0, "a", "f", "")]),
        chunk(tool_calls=[call(0, arguments="{}")]),
        chunk(tool_calls=[call(0, "b", "g", "")]),
        chunk(tool_calls=[call(0, arguments='{"y":1}')]),
    )
    assert [(c.id, c.name, c.arguments) for c in assembler.tool_calls] == [
        ("a", "f", "{}"),
        ("b", "g", '{"y":1}'),
    ]


def test_an_id_change_without_a_name_is_still_the_same_call() -> None:
    assembler, _ = feed_all(
        chunk(tool_calls=[call(0, "a", "f", '{"x"')]),
        chunk(tool_calls=[call(0, "a-2", None, ":1}")]),
    )
    assert [(c.id, c.name, c.arguments) for c in assembler.tool_calls] == [("a", "f", '{"x":1}')]


def test_empty_id_gets_a_generated_short_one() -> None:
    assembler, _ = feed_all(chunk(tool_calls=[call(0, "", "f", "{}")]))
    (only,) = assembler.tool_calls
    assert only.id and len(only.id) <= 40


def test_arguments_as_an_object_become_json_text() -> None:
    assembler, _ = feed_all(chunk(tool_calls=[call(0, "a", "f", {"city": "Oslo"})]))
    assert assembler.tool_calls[0].arguments == '{"city": "Oslo"}'


def test_content_and_calls_in_one_response() -> None:
    assembler, _ = feed_all(chunk("Let me check."), chunk(tool_calls=[call(0, "a", "f", "{}")]))
    assert assembler.content == "Let me check."
    assert len(assembler.tool_calls) == 1


def test_legacy_function_call_deltas() -> None:
    assembler, events = feed_all(
        chunk(function_call={"name": "f", "arguments": ""}),
        chunk(function_call={"arguments": '{"a":'}),
        chunk(function_call={"arguments": "1}"}),
        chunk(finish_reason="function_call"),
    )
    (only,) = assembler.tool_calls
    assert (only.name, only.arguments) == ("f", '{"a":1}')
    assert only.id.startswith("call_")
    assert isinstance(events[0], ToolCallStarted)


def test_a_call_mirrored_into_the_legacy_field_stays_one_call() -> None:
    # llama-cpp-python (chatml-function-calling, tool_choice naming a function) sends every
    # fragment twice in one delta: in tool_calls, id and name repeated, and in function_call.
    call_id = "call__0_get_weather_cmpl-8a12"
    fragments = ["{", ' "', "location", '"', ": ", '"Paris"', "}"]
    chunks = [chunk(role="assistant")]
    for piece in fragments:
        mirrored = chunk(tool_calls=[call(0, call_id, "get_weather", piece)])
        mirrored["choices"][0]["delta"]["function_call"] = {"name": "get_weather", "arguments": piece}
        chunks.append(mirrored)
    assembler, events = feed_all(*chunks, chunk(finish_reason="tool_calls"))
    (only,) = assembler.tool_calls
    assert (only.id, only.name, only.arguments) == (call_id, "get_weather", '{ "location": "Paris"}')
    assert [e for e in events if isinstance(e, ToolCallStarted)] == [
        ToolCallStarted("m1", 0, call_id, "get_weather")
    ]


def test_fragments_before_the_name_are_reported_once_it_arrives() -> None:
    _, events = feed_all(
        chunk(tool_calls=[call(0, "a", None, '{"x"')]),
        chunk(tool_calls=[call(0, None, "f", ":1}")]),
    )
    assert events == [ToolCallStarted("m1", 0, "a", "f"), ToolCallArgumentsDelta("a", '{"x":1}')]


def test_a_call_that_never_got_a_name_is_not_a_tool_call() -> None:
    assembler, _ = feed_all(chunk(tool_calls=[call(0, "a", None, "{}")]))
    assert assembler.tool_calls == []


def test_an_only_choice_counts_whatever_its_index_but_alternatives_beside_choice_0_do_not() -> None:
    numbered = [chunk(text) for text in ("one ", "two")]
    for n, numbered_chunk in enumerate(numbered, start=1):
        numbered_chunk["choices"][0]["index"] = n
    assembler, _ = feed_all(*numbered)
    assert assembler.content == "one two"

    both = chunk("main")
    both["choices"].append({"index": 1, "delta": {"content": "alternative"}, "finish_reason": None})
    assembler, _ = feed_all(both)
    assert assembler.content == "main"
