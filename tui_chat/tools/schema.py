"""Deriving a tool's JSON Schema from a Python function's signature and docstring.

The decorator attaches the result to the function as a `ToolDefinition`; the registry
reads it back when the function is registered.
"""

from __future__ import annotations

import enum
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from tui_chat.config import ToolPolicy

TOOL_ATTRIBUTE = "__tui_chat_tool__"
POLICIES: tuple[ToolPolicy, ...] = ("ask", "always", "never")
# What OpenAI accepts as a function name; other servers are no looser.
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class ToolDefinition:
    """What `@tool` derived: the schema parts plus the callable the registry should run."""

    name: str
    description: str
    parameters: dict[str, Any]
    policy: ToolPolicy
    timeout: float | None
    call: Callable[..., Any]


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValueError(
            f"Invalid tool name {name!r}: use 1-64 letters, digits, underscores or hyphens "
            "(that is what the API accepts)."
        )


def check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"Invalid tool policy {policy!r}: choose one of {', '.join(POLICIES)}.")


def check_timeout(timeout: float | None) -> None:
    if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
        raise ValueError(f"Invalid tool timeout {timeout!r}: give a positive number of seconds.")


def define_tool(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    policy: ToolPolicy = "ask",
    timeout: float | None = None,
) -> ToolDefinition:
    """Build the definition for `fn`; raises TypeError/ValueError naming what is wrong."""
    tool_name = name or str(getattr(fn, "__name__", ""))
    check_name(tool_name)
    check_policy(policy)
    check_timeout(timeout)

    summary, param_docs = parse_docstring(inspect.getdoc(fn) or "")
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # NameError for unresolvable string annotations, and friends
        raise TypeError(f"Tool {tool_name!r}: cannot resolve its type annotations ({exc}).") from exc

    properties: dict[str, Any] = {}
    required: list[str] = []
    converters: dict[str, Converter] = {}
    for param in inspect.signature(fn).parameters.values():
        where = f"Tool {tool_name!r}, parameter {param.name!r}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"{where}: *args and **kwargs cannot be described to the model.")
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(f"{where}: positional-only parameters cannot be passed by name.")
        if param.name not in hints:
            raise TypeError(f"{where}: needs a type annotation so the model knows what to send.")
        schema, converter = annotation_schema(hints[param.name], where)
        if param.name in param_docs and "description" not in schema:
            schema["description"] = param_docs[param.name]
        if param.default is param.empty:
            required.append(param.name)
        elif _is_json_value(param.default):
            schema["default"] = _json_default(param.default)
        properties[param.name] = schema
        if converter is not None:
            converters[param.name] = converter

    # Closed, so a stray argument gets a schema error naming it, not a TypeError from the call.
    parameters: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        parameters["required"] = required
    return ToolDefinition(
        name=tool_name,
        description=description if description is not None else summary,
        parameters=parameters,
        policy=policy,
        timeout=timeout,
        call=_with_converters(fn, converters),
    )


# --- annotations -> JSON Schema -------------------------------------------------------------

_SIMPLE_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def annotation_schema(annotation: Any, where: str) -> tuple[dict[str, Any], Converter | None]:
    """The JSON Schema for one annotation, and a converter when the JSON value is not yet
    the Python value the function expects (enums)."""
    if annotation in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[annotation]}, None
    if annotation is Any:
        return {}, None
    if annotation in (list, tuple):
        return {"type": "array"}, None
    if annotation is dict:
        return {"type": "object"}, None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_schema(annotation, where), annotation

    origin, args = get_origin(annotation), get_args(annotation)
    if origin is typing.Annotated:
        schema, converter = annotation_schema(args[0], where)
        notes = [a for a in args[1:] if isinstance(a, str)]
        if notes:
            schema["description"] = " ".join(notes)
        return schema, converter
    if origin is Literal:
        return _literal_schema(args, where), None
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is ...):
        item_schema, item_converter = annotation_schema(args[0], where)
        list_converter = None if item_converter is None else _each(item_converter)
        return {"type": "array", "items": item_schema}, list_converter
    if origin is dict:
        if args and args[0] is not str:
            raise TypeError(f"{where}: JSON object keys are strings, so use dict[str, ...].")
        value_schema, value_converter = annotation_schema(args[1], where) if args else ({}, None)
        if value_converter is not None:
            raise TypeError(f"{where}: dict values of type {args[1]!r} are not supported.")
        if not args:
            return {"type": "object"}, None
        return {"type": "object", "additionalProperties": value_schema}, None
    if origin in (typing.Union, types.UnionType):
        return _union_schema(args, where)
    raise TypeError(
        f"{where}: unsupported type annotation {annotation!r}. Use str, int, float, bool, list[...], "
        "dict[str, ...], Literal[...], an Enum, or X | None."
    )


def _enum_schema(enum_type: type[enum.Enum], where: str) -> dict[str, Any]:
    return _literal_schema(tuple(member.value for member in enum_type), where)


def _literal_schema(values: tuple[Any, ...], where: str) -> dict[str, Any]:
    if not values or not all(_is_json_value(v) and not isinstance(v, list | dict) for v in values):
        raise TypeError(f"{where}: choices must be strings, numbers, booleans or None, got {values!r}.")
    kinds = {_json_type(v) for v in values}
    schema: dict[str, Any] = {"enum": list(values)}
    if len(kinds) == 1:
        schema = {"type": kinds.pop(), **schema}
    return schema


def _union_schema(args: tuple[Any, ...], where: str) -> tuple[dict[str, Any], Converter | None]:
    members = [a for a in args if a is not type(None)]
    nullable = len(members) < len(args)
    parts = [annotation_schema(member, where) for member in members]
    if len(parts) == 1:
        schema, converter = parts[0]
    else:
        if any(converter is not None for _, converter in parts):
            raise TypeError(f"{where}: enums inside a union of several types are not supported.")
        schema, converter = {"anyOf": [schema for schema, _ in parts]}, None
    if not nullable:
        return schema, converter
    if isinstance(schema.get("type"), str):
        schema = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    else:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return schema, None if converter is None else _unless_none(converter)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _is_json_value(value: Any) -> bool:
    if isinstance(value, enum.Enum):
        return _is_json_value(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_is_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    return False


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


# --- converting JSON arguments into the Python values the function declared -----------------


def _each(converter: Converter) -> Converter:
    return lambda values: [converter(v) for v in values]


def _unless_none(converter: Converter) -> Converter:
    return lambda value: None if value is None else converter(value)


def _with_converters(fn: Callable[..., Any], converters: dict[str, Converter]) -> Callable[..., Any]:
    if not converters:
        return fn

    def convert(kwargs: dict[str, Any]) -> dict[str, Any]:
        return {k: converters[k](v) if k in converters else v for k, v in kwargs.items()}

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def call_async(**kwargs: Any) -> Any:
            return await fn(**convert(kwargs))

        return call_async

    @functools.wraps(fn)
    def call(**kwargs: Any) -> Any:
        return fn(**convert(kwargs))

    return call


# --- docstrings -------------------------------------------------------------------------------

_GOOGLE_ARGS = re.compile(r"^(Args|Arguments|Parameters|Params)\s*:\s*$")
_GOOGLE_SECTION = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")
_GOOGLE_PARAM = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_REST_FIELD = re.compile(r"^:(\w+)(?:\s+[^:]*?)?(?:\s+(\w+))?\s*:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The summary (first paragraph, joined into one line) and per-parameter descriptions
    from a Google-style `Args:` section or reST `:param name:` fields."""
    lines = doc.expandtabs().splitlines()
    summary_lines: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or _GOOGLE_ARGS.match(stripped) or stripped.startswith(":"):
            break
        summary_lines.append(stripped)
    params = _google_params(lines)
    params.update(_rest_params(lines))
    return " ".join(summary_lines), params


def _google_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    in_args = False
    base_indent: int | None = None
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if _GOOGLE_ARGS.match(stripped):
            in_args, base_indent, current = True, None, None
            continue
        if not in_args:
            continue
        if not stripped:
            current = None
            continue
        if base_indent is None:
            base_indent = indent
        if indent < base_indent or (indent == 0 and _GOOGLE_SECTION.match(stripped)):
            in_args = False  # the next section (Returns:, Raises:, ...) began
            continue
        match = _GOOGLE_PARAM.match(stripped)
        if indent == base_indent and match:
            current = match.group(1).lstrip("*")
            params[current] = match.group(3).strip()
        elif current is not None:
            params[current] = f"{params[current]} {stripped}".strip()
    return params


def _rest_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(":"):
            current = None
            match = _REST_FIELD.match(stripped)
            if match and match.group(1) in ("param", "parameter", "arg", "argument"):
                field_parts = stripped[1:].split(":", 1)[0].split()
                current = field_parts[-1]
                params[current] = match.group(3).strip()
        elif current is not None and stripped:
            params[current] = f"{params[current]} {stripped}".strip()
        elif not stripped:
            current = None
    return params
