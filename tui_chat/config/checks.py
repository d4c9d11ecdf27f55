"""Value checks for settings: each returns the (possibly normalised) value or raises
`Invalid(problem)`; the problem reads after the key's name ("'timeout' must be a number")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Invalid(ValueError):
    def __init__(self, problem: str, *, inner_key: str | None = None) -> None:
        super().__init__(problem)
        self.inner_key = inner_key  # the offending key inside a table value, if any


Check = Callable[[Any], Any]


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string, not {show(value)}")
    return value


def choice(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise Invalid(f"must be one of {', '.join(allowed)}, not {show(value)}")
        return str(value)

    return check


def number(*, low: float | None = None, high: float | None = None, positive: bool = False) -> Check:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"must be a number, not {show(value)}")
        if positive and value <= 0:
            raise Invalid(f"must be greater than 0, not {value}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(f"must be between {low} and {high}, not {value}")
        return float(value)

    return check


def integer(*, low: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be a whole number, not {show(value)}")
        if value < low:
            raise Invalid(f"must be at least {low}, not {value}")
        return value

    return check


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"must be true or false, not {show(value)}")
    return value


def text_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(f"must be a list of strings, not {show(value)}")
    return list(value)


def text_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid(f"must be a table of strings, not {show(value)}")
    return dict(value)


def policies(value: Any) -> dict[str, str]:
    table = text_table(value)
    for name, policy in table.items():
        if policy not in ("ask", "always", "never"):
            raise Invalid(f"must be one of ask, always, never, not {policy!r}", inner_key=name)
    return table


def tables(value: Any) -> dict[str, Any]:
    # Only the shape: each server's keys are checked (and reported one by one) by tools/mcp.
    if not isinstance(value, dict):
        raise Invalid(f"must be a table of [mcp_servers.NAME] tables, not {show(value)}")
    for name, table in value.items():
        if not isinstance(table, dict):
            raise Invalid(f"must be a table, not {show(table)}", inner_key=name)
    return dict(value)


def show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    kinds = {bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
    return kinds.get(type(value), type(value).__name__)
