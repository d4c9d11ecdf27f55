"""Registering tools and what the registry offers the model."""

from __future__ import annotations

import pytest

from tui_chat import tool
from tui_chat.tools.registry import ToolRegistry

WORD_COUNT = {
    "name": "word_count",
    "description": "Count words.",
    "parameters": {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
}


def word_count(text: str) -> int:
    return len(text.split())


async def test_explicit_schema_in_both_shapes() -> None:
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count)
    registry.add_function({"type": "function", "function": {**WORD_COUNT, "name": "wc2"}}, word_count)

    assert registry.names() == ["word_count", "wc2"]
    assert registry.get("wc2").schema == {**WORD_COUNT, "name": "wc2"}  # type: ignore[union-attr]
    assert (await registry.execute("word_count", '{"text": "a b c"}')).content == "3"


def test_openai_and_legacy_shapes_list_only_enabled_tools() -> None:
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count)
    registry.add_function({**WORD_COUNT, "name": "hidden"}, word_count)
    registry.set_enabled("hidden", False)

    assert registry.openai_tools() == [{"type": "function", "function": WORD_COUNT}]
    assert registry.legacy_functions() == [WORD_COUNT]
    assert [s.name for s in registry.specs()] == ["word_count", "hidden"]


def test_returned_schemas_are_copies() -> None:
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count)
    registry.openai_tools()[0]["function"]["parameters"]["properties"].clear()
    assert registry.legacy_functions() == [WORD_COUNT]


def test_schema_without_parameters_means_no_arguments() -> None:
    registry = ToolRegistry()
    spec = registry.add_function({"name": "ping"}, lambda: "pong")
    assert spec.parameters == {"type": "object", "properties": {}}
    assert spec.description == ""


def test_register_uses_what_the_decorator_derived() -> None:
    @tool(policy="always", timeout=3)
    def shout(text: str) -> str:
        """Make text loud."""
        return text.upper()

    registry = ToolRegistry()
    spec = registry.register(shout)
    assert (spec.name, spec.description, spec.policy, spec.timeout, spec.source) == (
        "shout",
        "Make text loud.",
        "always",
        3,
        "builtin",
    )


def test_policies_default_to_ask_and_can_change() -> None:
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count)
    assert registry.policy("word_count") == "ask"
    registry.set_policy("word_count", "never")
    assert registry.policy("word_count") == "never"
    with pytest.raises(ValueError):
        registry.set_policy("word_count", "maybe")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        registry.set_policy("nope", "ask")


def test_unknown_or_disabled_tools_need_no_confirmation() -> None:
    # execute() only answers "unknown function" for them, so there is nothing to ask about.
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count, policy="never")
    registry.set_enabled("word_count", False)
    assert registry.policy("word_count") == "always"
    assert registry.policy("nope") == "always"


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"description": "no name"}, "Invalid tool name"),
        ({"name": "has space"}, "Invalid tool name"),
        ({"name": "x", "parameters": {"type": "nonsense"}}, "not a valid JSON Schema"),
    ],
)
def test_malformed_schemas_are_refused(schema: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ToolRegistry().add_function(schema, word_count)


def test_a_name_can_only_be_registered_once() -> None:
    registry = ToolRegistry()
    registry.add_function(WORD_COUNT, word_count)
    with pytest.raises(ValueError, match="already registered"):
        registry.add_function(WORD_COUNT, word_count)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="timeout"):
        ToolRegistry(default_timeout=0)
    with pytest.raises(ValueError, match="output limit"):
        ToolRegistry(output_limit=0)
