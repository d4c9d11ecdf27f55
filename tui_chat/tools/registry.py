"""The tool registry: what the model may call, with which policy, and running one call safely.

`execute` never raises (except asyncio.CancelledError): every failure becomes an error
outcome whose text tells the model what went wrong, so it can correct itself.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from tui_chat.config import ToolPolicy
from tui_chat.tools.decorator import tool_definition
from tui_chat.tools.execution import ToolError, cap_output, encode_result, run_in_daemon_thread
from tui_chat.tools.schema import check_name, check_policy, check_timeout, define_tool

Status = Literal["ok", "error"]

__all__ = ["ToolError", "ToolOutcome", "ToolPolicy", "ToolRegistry", "ToolSpec"]

_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}
_MIN_ERROR_ROOM = 4096  # bytes: an error explanation is never cut shorter than this


@dataclass
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON Schema of the arguments object
    fn: Callable[..., Any]  # sync or async
    policy: ToolPolicy
    timeout: float | None  # None = registry default
    enabled: bool = True
    source: str = "builtin"  # "builtin", the user file path, or "mcp:<server>"
    server: str | None = None  # the MCP server that runs it

    @property
    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": copy.deepcopy(self.parameters),
        }


@dataclass
class ToolOutcome:
    status: Status
    content: str  # what goes back to the model
    duration: float  # seconds

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ToolRegistry:
    def __init__(self, *, default_timeout: float = 30.0, output_limit: int = 16 * 1024) -> None:
        check_timeout(default_timeout)
        if isinstance(output_limit, bool) or not isinstance(output_limit, int) or output_limit <= 0:
            raise ValueError(f"Invalid tool output limit {output_limit!r}: give a positive number of bytes.")
        self.default_timeout = default_timeout
        self.output_limit = output_limit
        self._specs: dict[str, ToolSpec] = {}
        self._validators: dict[str, Any] = {}
        # Tools taken away while their source is down: name -> what the model is told.
        self._withdrawn: dict[str, str] = {}

    # --- registering ----------------------------------------------------------------------

    def add_function(
        self,
        schema: Mapping[str, Any],
        fn: Callable[..., Any],
        *,
        policy: ToolPolicy = "ask",
        timeout: float | None = None,
        source: str = "builtin",
        server: str | None = None,
        check_schema: bool = True,
    ) -> ToolSpec:
        """Register `fn` under an explicit schema: {"name", "description", "parameters"} or
        the wrapped {"type": "function", "function": {...}} form. Raises ValueError for a
        malformed schema or a name that is already taken. `check_schema=False` is for schemas
        our own `define_tool` derived (valid by construction): jsonschema, slow to import, then
        loads only when the tool is first called."""
        if schema.get("type") == "function" and isinstance(schema.get("function"), Mapping):
            schema = schema["function"]
        name = schema.get("name")
        if not isinstance(name, str):
            raise ValueError(f'Invalid tool name {name!r}: a tool schema needs a "name" string.')
        check_name(name)
        check_policy(policy)
        check_timeout(timeout)
        if not callable(fn):
            raise ValueError(f"Tool {name!r}: {fn!r} is not callable.")
        if name in self._specs:
            taken_by = self._specs[name].source
            raise ValueError(f"A tool named {name!r} is already registered (from {taken_by}).")
        parameters = copy.deepcopy(dict(schema.get("parameters") or _EMPTY_PARAMETERS))
        if check_schema:
            self._validators[name] = _checked_validator(name, parameters)
        spec = ToolSpec(
            name=name,
            description=str(schema.get("description") or ""),
            parameters=parameters,
            fn=fn,
            policy=policy,
            timeout=timeout,
            source=source,
            server=server,
        )
        self._withdrawn.pop(name, None)
        self._specs[name] = spec
        return spec

    def register(
        self, fn: Callable[..., Any], *, policy: ToolPolicy | None = None, source: str = "builtin"
    ) -> ToolSpec:
        """Register a @tool-decorated function (an undecorated one is treated as bare @tool).
        `policy` overrides the decorator's."""
        definition = tool_definition(fn) or define_tool(fn)
        schema = {
            "name": definition.name,
            "description": definition.description,
            "parameters": definition.parameters,
        }
        return self.add_function(
            schema,
            definition.call,
            policy=policy or definition.policy,
            timeout=definition.timeout,
            source=source,
            check_schema=False,
        )

    def withdraw(self, name: str, reason: str) -> None:
        """Take a tool away (its server went down); a call to it gets `reason` as its error."""
        if self._specs.pop(name, None) is not None:
            self._validators.pop(name, None)
            self._withdrawn[name] = reason

    # --- looking up -------------------------------------------------------------------------

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return list(self._specs)

    def specs(self) -> list[ToolSpec]:
        return list(self._specs.values())

    def policy(self, name: str) -> ToolPolicy:
        """The confirmation policy for `name`. A name that is not registered (or disabled)
        reads as "always": `execute` will only answer that it does not exist, so there is
        nothing to confirm."""
        spec = self._specs.get(name)
        return spec.policy if spec is not None and spec.enabled else "always"

    def set_policy(self, name: str, policy: ToolPolicy) -> None:
        check_policy(policy)
        self._require(name).policy = policy

    def set_enabled(self, name: str, enabled: bool) -> None:
        self._require(name).enabled = enabled

    def openai_tools(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": spec.schema} for spec in self._enabled()]

    def legacy_functions(self) -> list[dict[str, Any]]:
        return [spec.schema for spec in self._enabled()]

    def _enabled(self) -> list[ToolSpec]:
        return [spec for spec in self._specs.values() if spec.enabled]

    def _require(self, name: str) -> ToolSpec:
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(f"No tool named {name!r}.")
        return spec

    # --- running --------------------------------------------------------------------------

    async def execute(self, name: str, arguments: str | Mapping[str, Any] | None) -> ToolOutcome:
        """Run one call. `arguments` is the raw JSON text from the model ("" means {}).
        Does not consult the policy: asking the user is the caller's job."""
        started = time.perf_counter()
        try:
            status, content = await self._run(name, arguments)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must still not take the app down
            status, content = "error", f"Calling {name!r} failed unexpectedly: {_describe(exc)}"
        # Our own error messages are short; only a huge exception message needs the cap there.
        limit = self.output_limit if status == "ok" else max(self.output_limit, _MIN_ERROR_ROOM)
        return ToolOutcome(status, cap_output(content, limit), time.perf_counter() - started)

    def argument_problem(self, name: str, arguments: str | Mapping[str, Any] | None) -> str | None:
        """Why a call to the registered tool `name` cannot run with these arguments (not JSON,
        not an object, against its schema), as `execute` would tell the model; None if it can.
        Lets the caller skip asking the user about a call that could not run anyway."""
        spec = self._specs.get(name)
        if spec is None:
            return None
        kwargs, problem = _parse_arguments(arguments)
        if problem:
            return f"Could not call {name!r}: {problem}"
        assert kwargs is not None
        if name not in self._validators:
            # Our own @tool schemas are checked on first use, not at start-up.
            try:
                self._validators[name] = _checked_validator(name, spec.parameters)
            except ValueError as exc:
                return str(exc)
        problem = _schema_problem(self._validators[name], kwargs)
        if problem:
            return f"Invalid arguments for {name!r}: {problem}. Fix the arguments and call it again."
        return None

    async def _run(self, name: str, arguments: str | Mapping[str, Any] | None) -> tuple[Status, str]:
        spec = self._specs.get(name)
        if spec is None and name in self._withdrawn:
            return "error", self._withdrawn[name]
        if spec is None or not spec.enabled:
            available = ", ".join(s.name for s in self._enabled()) or "none"
            return "error", f"Unknown function {name!r}. Available functions: {available}."

        problem = self.argument_problem(name, arguments)
        if problem:
            return "error", problem
        kwargs, _ = _parse_arguments(arguments)
        assert kwargs is not None

        timeout = spec.timeout if spec.timeout is not None else self.default_timeout
        try:
            async with asyncio.timeout(timeout) as deadline:
                result = await _call(spec.fn, kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise  # the function itself raised TimeoutError; reported below like any other
            return "error", (
                f"{name!r} did not finish within {timeout:g} seconds and was abandoned. "
                "Try again with simpler arguments, or answer without it."
            )
        except ToolError as exc:
            return "error", str(exc) or f"{name!r} failed without saying why."
        except (Exception, SystemExit) as exc:  # SystemExit: a tool calling sys.exit() must not end the app
            return "error", f"{name!r} failed: {_describe(exc)}"
        return "ok", encode_result(result)


async def _call(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    if inspect.iscoroutinefunction(fn):
        result = await fn(**kwargs)
    else:
        result = await run_in_daemon_thread(fn, kwargs)
    if inspect.isawaitable(result):  # e.g. an object with an async __call__, or a partial
        result = await result
    return result


def _parse_arguments(arguments: str | Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    if arguments is None:
        return {}, ""
    if isinstance(arguments, Mapping):  # some servers send an object instead of a string
        return dict(arguments), ""
    if not arguments.strip():
        return {}, ""
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError as exc:
        return None, f"the arguments are not valid JSON ({exc}). Send a JSON object."
    if not isinstance(value, dict):
        return None, f"the arguments must be a JSON object, not {_json_kind(value)}."
    return value, ""


def _checked_validator(name: str, parameters: dict[str, Any]) -> Any:
    """A validator for `parameters`; ValueError when they are not a valid JSON Schema."""
    import jsonschema
    from jsonschema.validators import validator_for

    validator_class = validator_for(parameters)
    try:
        validator_class.check_schema(parameters)
    except jsonschema.SchemaError as exc:
        problem = f"Tool {name!r}: its parameters are not a valid JSON Schema: {exc.message}"
        raise ValueError(problem) from exc
    return validator_class(parameters)


def _schema_problem(validator: Any, kwargs: dict[str, Any]) -> str:
    errors = sorted(validator.iter_errors(kwargs), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return ""
    described = []
    for error in errors[:3]:
        path = ".".join(str(part) for part in error.absolute_path)
        described.append(f"{path!r}: {error.message}" if path else error.message)
    more = f" (and {len(errors) - 3} more problems)" if len(errors) > 3 else ""
    return "; ".join(described) + more


def _describe(exc: BaseException) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"
