"""`@tool`: mark a function as callable by the model, deriving its schema from its signature.

    from tui_chat import tool

    @tool(policy="always")
    def add(a: int, b: int = 1) -> int:
        \"\"\"Add two numbers.

        Args:
            a: The first number.
            b: The second number.
        \"\"\"
        return a + b

The function is returned unchanged (still callable as before); the derived definition is
attached as `fn.__tui_chat_tool__`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from tui_chat.config import ToolPolicy
from tui_chat.tools.schema import TOOL_ATTRIBUTE, ToolDefinition, define_tool

F = TypeVar("F", bound=Callable[..., Any])


@overload
def tool(fn: F, /) -> F: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    policy: ToolPolicy = "ask",
    timeout: float | None = None,
) -> Callable[[F], F]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    policy: ToolPolicy = "ask",
    timeout: float | None = None,
) -> Any:
    """Usable bare (`@tool`) or with options (`@tool(policy="always", timeout=5)`).

    name/description override what is derived from the function name and docstring;
    policy is the confirmation policy (ask, always, never); timeout is in seconds
    (None: the registry default).
    """

    def decorate(func: F) -> F:
        definition = define_tool(func, name=name, description=description, policy=policy, timeout=timeout)
        setattr(func, TOOL_ATTRIBUTE, definition)
        return func

    if fn is None:
        return decorate
    return decorate(fn)


def tool_definition(fn: Callable[..., Any]) -> ToolDefinition | None:
    """The definition `@tool` attached to `fn`, if any."""
    definition = getattr(fn, TOOL_ATTRIBUTE, None)
    return definition if isinstance(definition, ToolDefinition) else None
