"""The MCP servers as a tool source: connect them all in parallel in the background, offer their
tools through the ToolRegistry, withdraw them while a server is down, and stop everything.

UI-free: the app and `tui-chat ask` read `statuses()` and listen with `add_listener`; a
listener is called on the event loop whenever a server's state changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from mcp_types import Tool

from tui_chat.config import Settings, ToolPolicy
from tui_chat.tools.execution import ToolError
from tui_chat.tools.mcp.config import McpConfig, ServerConfig, load_mcp_config
from tui_chat.tools.mcp.connection import ServerConnection
from tui_chat.tools.mcp.results import result_text
from tui_chat.tools.mcp.status import ServerStatus
from tui_chat.tools.registry import ToolRegistry

_NAME_LIMIT = 64  # what OpenAI accepts in a function name
_DISABLED = "disabled for this run"
_CLOSE_TIMEOUT = 10.0  # seconds for every session to close (the SDK kills a stuck child sooner)

# The SDK logs malformed server output with tracebacks; in a full-screen app that would paint
# over the screen. What matters reaches the user through the server's status instead.
logging.getLogger("mcp").addHandler(logging.NullHandler())
logging.getLogger("mcp").propagate = False

Listener = Callable[[], None]


class McpManager:
    def __init__(
        self,
        config: McpConfig,
        registry: ToolRegistry,
        *,
        tool_policies: Mapping[str, ToolPolicy] | None = None,
        disabled_tools: list[str] | None = None,
    ) -> None:
        self.registry = registry
        self.warnings: list[str] = list(config.problems)
        self._tool_policies = dict(tool_policies or {})
        self._disabled_tools = set(disabled_tools or [])
        # A policy changed while the tool was offered ("always allow") outlives a restart.
        self._kept_policies: dict[str, ToolPolicy] = {}
        self._connections = {
            server.name: ServerConnection(server, self._changed) for server in config.servers
        }
        self._offered: dict[str, dict[str, str]] = {name: {} for name in self._connections}  # offered -> MCP
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._listeners: list[Listener] = []
        self._ready_changed: asyncio.Event | None = None  # made on the running loop by start()

    @classmethod
    def from_settings(cls, settings: Settings, registry: ToolRegistry) -> McpManager | None:
        """The manager for the configured servers; None when there is nothing to say or run."""
        config = load_mcp_config(settings)
        if not config.servers and not config.problems:
            return None
        return cls(
            config, registry, tool_policies=settings.tool_policies, disabled_tools=settings.disabled_tools
        )

    # --- control ----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self._connections)

    def start(self) -> None:
        """Start every enabled server in the background; returns at once (needs a running loop)."""
        self._ready_changed = asyncio.Event()
        for name, connection in self._connections.items():
            if connection.config.enabled:
                self._launch(name)

    def restart(self, name: str) -> None:
        """(Re)start one server, enabling it if it was disabled."""
        connection = self._connections[name]
        if not connection.config.enabled:
            connection.config = _with_enabled(connection.config, True)
        task = self._tasks.get(name)
        if task is not None and not task.done():
            connection.stop()
            task.add_done_callback(lambda _: self._launch(name))
        else:
            self._launch(name)

    def disable(self, name: str) -> None:
        """Stop one server for this run; its tools are withdrawn."""
        connection = self._connections[name]
        connection.config = _with_enabled(connection.config, False)
        task = self._tasks.get(name)
        if task is not None and not task.done():
            connection.stop(_DISABLED)  # run() ends in "stopped" and withdraws the tools
        else:
            connection.mark_stopped(_DISABLED)

    async def wait_started(self, timeout: float | None = None) -> None:
        """Until no enabled server is still connecting (each has its own startup bound)."""
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        while any(s.state == "connecting" for s in self.statuses()) and self._ready_changed is not None:
            self._ready_changed.clear()
            remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if remaining is not None and remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready_changed.wait(), remaining)

    async def close(self) -> None:
        """Close every session and end every child process."""
        for connection in self._connections.values():
            connection.stop()
        tasks = [task for task in self._tasks.values() if not task.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=_CLOSE_TIMEOUT)
            for task in pending:
                task.cancel()

    # --- reading ----------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def statuses(self) -> list[ServerStatus]:
        return [
            connection.status(tuple(self._offered[name])) for name, connection in self._connections.items()
        ]

    def status(self, name: str) -> ServerStatus:
        return self._connections[name].status(tuple(self._offered[name]))

    def offered(self, name: str) -> dict[str, str]:
        """The server's tools offered to the model: offered name -> its MCP name."""
        return dict(self._offered[name])

    def server_of(self, tool: str) -> str | None:
        """Which server runs the tool offered as `tool` (None: not an MCP tool)."""
        spec = self.registry.get(tool)
        return spec.server if spec is not None else None

    def mcp_tools(self, name: str) -> list[Tool]:
        """The tools the server listed (all of them, offered or not)."""
        return list(self._connections[name].tools)

    # --- internals --------------------------------------------------------------------------

    def _launch(self, name: str) -> None:
        self._connections[name].mark_connecting()
        task = asyncio.get_running_loop().create_task(self._connections[name].run(), name=f"mcp-{name}")
        self._tasks[name] = task

    def _changed(self, connection: ServerConnection) -> None:
        if connection.state == "ready":
            self._offer(connection)
        else:
            self._withdraw(connection)
        if self._ready_changed is not None:
            self._ready_changed.set()
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken listener must not stop the servers
                listener()

    def _offer(self, connection: ServerConnection) -> None:
        server = connection.config
        offered = self._offered[server.name]
        for tool in connection.tools:
            if not server.offers(tool.name):
                continue
            name = self._free_name(server, tool.name)
            if name is None:
                continue
            schema = {
                "name": name,
                "description": tool.description or tool.title or "",
                "parameters": tool.input_schema,
            }
            policy = (
                self._kept_policies.get(name)
                or self._tool_policies.get(name)
                or self._tool_policies.get(tool.name)
                or server.policy
            )
            try:
                self.registry.add_function(
                    schema,
                    _caller(connection, tool.name),
                    policy=policy,
                    timeout=server.timeout,
                    source=f"MCP server {server.name!r}",
                    server=server.name,
                )
            except ValueError as exc:
                self.warnings.append(f"MCP server {server.name!r}: skipped tool {tool.name!r}: {exc}")
                continue
            if name in self._disabled_tools or tool.name in self._disabled_tools:
                self.registry.set_enabled(name, False)
            offered[name] = tool.name

    def _free_name(self, server: ServerConfig, tool: str) -> str | None:
        """The tool's own name if free, else `<server>__<tool>` (warned about), else None."""
        plain = _api_name(tool)
        taken = self.registry.get(plain)
        if taken is None:
            return plain
        prefixed = _api_name(f"{server.name}__{tool}")
        if self.registry.get(prefixed) is not None:
            self.warnings.append(
                f"MCP server {server.name!r}: tool {tool!r} skipped: "
                f"both {plain!r} and {prefixed!r} are taken."
            )
            return None
        self.warnings.append(
            f"MCP server {server.name!r}: tool {tool!r} has the same name as the one from {taken.source}; "
            f"offered as {prefixed!r}."
        )
        return prefixed

    def _withdraw(self, connection: ServerConnection) -> None:
        offered = self._offered[connection.name]
        for name, tool in offered.items():
            spec = self.registry.get(name)
            if spec is not None:
                self._kept_policies[name] = spec.policy
            self.registry.withdraw(name, connection.unavailable_message(tool))
        offered.clear()


def _caller(connection: ServerConnection, tool: str) -> Callable[..., Any]:
    async def call(**arguments: Any) -> str:
        result = await connection.call(tool, arguments)
        text = result_text(result)
        if result.is_error:
            raise ToolError(text)
        return text

    call.__name__ = tool
    return call


def _api_name(name: str) -> str:
    """A function name OpenAI accepts: letters, digits, '_' and '-', at most 64 characters."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name) or "tool"
    return cleaned[:_NAME_LIMIT]


def _with_enabled(config: ServerConfig, enabled: bool) -> ServerConfig:
    return dataclasses.replace(config, enabled=enabled)
