"""@tool: the schema the model sees is derived from type hints and the docstring."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import pytest

from tui_chat import tool
from tui_chat.tools.decorator import tool_definition
from tui_chat.tools.registry import ToolRegistry


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def parameters_of(fn: Any) -> dict[str, Any]:
    definition = tool_definition(fn)
    assert definition is not None
    return definition.parameters


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (list[str], {"type": "array", "items": {"type": "string"}}),
        (list, {"type": "array"}),
        (dict, {"type": "object"}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Colour, {"type": "string", "enum": ["red", "blue"]}),
        (int | None, {"type": ["integer", "null"]}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (Annotated[str, "A city name"], {"type": "string", "description": "A city name"}),
        (Any, {}),
    ],
)
def test_type_hints_become_json_schema(annotation: Any, expected: dict[str, Any]) -> None:
    def probe(x):  # untyped on purpose: the annotation is set below
        return x

    probe.__annotations__ = {"x": annotation}
    assert parameters_of(tool(probe))["properties"]["x"] == expected


def test_parameters_with_defaults_are_optional_and_carry_the_default() -> None:
    @tool
    def search(query: str, limit: int = 5, colour: Colour = Colour.RED, note: str | None = None) -> str:
        return query

    params = parameters_of(search)
    assert params["required"] == ["query"]
    assert params["properties"]["limit"]["default"] == 5
    assert params["properties"]["colour"]["default"] == "red"
    assert params["properties"]["note"] == {"type": ["string", "null"], "default": None}


def test_google_docstring_gives_description_and_parameter_help() -> None:
    @tool
    def convert(amount: float, currency: str) -> str:
        """Convert money between currencies.

        Uses today's rate. This paragraph is not part of the summary.

        Args:
            amount (float): How much to convert,
                in the source currency.
            currency: ISO code of the target currency.

        Returns:
            The converted amount.
        """
        return ""

    definition = tool_definition(convert)
    assert definition is not None
    assert definition.description == "Convert money between currencies."
    props = definition.parameters["properties"]
    assert props["amount"]["description"] == "How much to convert, in the source currency."
    assert props["currency"]["description"] == "ISO code of the target currency."


def test_rest_docstring_gives_parameter_help() -> None:
    @tool
    def greet(name: str, loud: bool = False) -> str:
        """Greet someone
        by name.

        :param name: Who to greet.
        :param bool loud: Shout it.
        :returns: The greeting.
        """
        return name

    definition = tool_definition(greet)
    assert definition is not None
    assert definition.description == "Greet someone by name."
    assert definition.parameters["properties"]["name"]["description"] == "Who to greet."
    assert definition.parameters["properties"]["loud"]["description"] == "Shout it."


def test_options_override_name_description_policy_and_timeout() -> None:
    @tool(name="lookup", description="Look it up.", policy="never", timeout=2.5)
    def f() -> None:
        """Ignored docstring."""

    definition = tool_definition(f)
    assert definition is not None
    assert (definition.name, definition.description, definition.policy, definition.timeout) == (
        "lookup",
        "Look it up.",
        "never",
        2.5,
    )
    assert definition.parameters == {"type": "object", "properties": {}, "additionalProperties": False}


def test_decorated_function_is_returned_unchanged_and_stays_callable() -> None:
    def double(n: int) -> int:
        return n * 2

    assert tool(double) is double
    assert tool(policy="always")(double) is double
    assert double(4) == 8


async def test_enum_arguments_arrive_as_enum_members() -> None:
    seen: list[Any] = []

    @tool
    def paint(colour: Colour, extra: list[Colour] | None = None) -> str:
        seen.append((colour, extra))
        return colour.name

    registry = ToolRegistry()
    registry.register(paint)
    outcome = await registry.execute("paint", '{"colour": "blue", "extra": ["red"]}')
    assert outcome.content == "BLUE"
    assert seen == [(Colour.BLUE, [Colour.RED])]
    assert paint(Colour.RED) == "RED"  # direct calls are untouched


def test_unsupported_annotation_names_the_function_and_parameter() -> None:
    def bad(items: set[int]) -> None: ...

    with pytest.raises(TypeError, match=r"'bad'.*'items'.*unsupported type annotation"):
        tool(bad)


def test_missing_annotation_and_varargs_are_rejected_clearly() -> None:
    def untyped(x):  # untyped on purpose
        return x

    def variadic(*args: int) -> None: ...

    with pytest.raises(TypeError, match=r"'untyped'.*'x'.*needs a type annotation"):
        tool(untyped)
    with pytest.raises(TypeError, match=r"'variadic'.*\*args"):
        tool(variadic)


def test_invalid_policy_and_timeout_are_rejected() -> None:
    def f() -> None: ...

    with pytest.raises(ValueError, match="policy"):
        tool(policy="sometimes")(f)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="timeout"):
        tool(timeout=0)(f)
