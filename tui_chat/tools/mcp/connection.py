"""One MCP server's lifetime through the official SDK: spawn or connect, initialize, list its
tools, serve calls until it stops, exits or is stopped.

`run()` never raises (only cancellation propagates): every failure becomes the `failed` state
with a one-line reason. Startup is bounded by the server's startup_timeout. A stdio server's
stderr never reaches the terminal; its last lines are kept for the user. A server that exits
closes its stdout, which ends the session and withdraws its tools at once.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TextIO

import anyio
import httpx2
from mcp import Client, MCPError, StdioServerParameters, stdio_client
from mcp.client._transport import Transport, TransportStreams
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.message import SessionMessage
from mcp_types import CallToolResult, Implementation, Tool

from tui_chat.tools.execution import ToolError
from tui_chat.tools.mcp.config import ServerConfig, child_environment
from tui_chat.tools.mcp.status import ServerState, ServerStatus

STDERR_LINES = 20  # kept per server for the "MCP: servers" screen
_MAX_PAGES = 50  # tools/list pages; a server that paginates forever cannot hang startup
_CLIENT_INFO = Implementation(name="tui-chat", version="0.1.0")


class ServerConnection:
    def __init__(self, config: ServerConfig, on_change: Callable[[ServerConnection], None]) -> None:
        self.config = config
        self.state: ServerState = "stopped"
        self.reason = ""
        self.tools: list[Tool] = []
        self.stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._on_change = on_change
        self._client: Client | None = None
        self._scope: anyio.CancelScope | None = None
        self._closed: anyio.Event | None = None
        self._stopping = False
        self._stop_reason = ""
        self._stderr_tail: _StderrTail | None = None

    @property
    def name(self) -> str:
        return self.config.name

    # --- lifetime ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and serve until the server goes away or `stop()` is called."""
        self._stopping = False
        self._stop_reason = ""
        self.stderr.clear()  # this run's lines only
        self._closed = closed = anyio.Event()
        if self.state != "connecting":
            self._set("connecting", "")
        startup = self.config.startup_timeout
        reason = ""
        try:
            with anyio.CancelScope(deadline=anyio.current_time() + startup) as scope:
                self._scope = scope
                async with AsyncExitStack() as stack:
                    transport = await self._transport(stack, closed)
                    client = Client(transport, mode="legacy", client_info=_CLIENT_INFO)
                    # Legacy: the initialize handshake every deployed server speaks, no probe first.
                    await stack.enter_async_context(client)
                    tools = await _list_tools(client)
                    scope.deadline = math.inf
                    self._client, self.tools = client, tools
                    self._set("ready", "")
                    await closed.wait()
                    await self._stderr_drained()
                    reason = self._exit_reason()
            if scope.cancelled_caught and not self._stopping:
                reason = f"no answer within {startup:g} s (startup_timeout)"
        except Exception as exc:  # whatever the server or the SDK does, it is one line for the user
            await self._stderr_drained()
            reason = self._failure(exc)
        finally:
            self._client, self._scope = None, None
        if self._stopping:
            self._set("stopped", self._stop_reason)
        else:
            self._set("failed", reason or "the connection ended")

    def stop(self, reason: str = "") -> None:
        """Ask `run()` to close the session and end the process; it returns soon after."""
        self._stopping = True
        self._stop_reason = reason
        if self._scope is not None:
            self._scope.cancel()

    def mark_connecting(self) -> None:
        """Called as its task is created, so nobody sees "stopped" before run() begins."""
        self._set("connecting", "")

    def mark_stopped(self, reason: str) -> None:
        """For a server that is not running: show it as stopped."""
        self._set("stopped", reason)

    # --- calls ------------------------------------------------------------------------------

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        """One tools/call. Raises ToolError with a message for the model when it cannot run."""
        client = self._client
        if client is None or self.state != "ready":
            raise ToolError(self.unavailable_message(tool))
        try:
            return await client.call_tool(tool, arguments)
        except MCPError as exc:
            if self._closed is not None and self._closed.is_set():
                raise ToolError(self.unavailable_message(tool)) from None
            raise ToolError(
                f"MCP server {self.name!r} refused the call to {tool!r}: {exc.error.message}"
            ) from None
        except (httpx2.TransportError, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            self._lost(f"lost the connection ({_one_line(exc)})")
            raise ToolError(self.unavailable_message(tool)) from None

    def unavailable_message(self, tool: str) -> str:
        state = {"connecting": "still starting", "stopped": "stopped"}.get(self.state, "down")
        why = f" ({self.reason})" if self.reason else ""
        return (
            f"The tool {tool!r} is unavailable: its MCP server {self.name!r} is {state}{why}. "
            "Answer without it, or tell the user."
        )

    def status(self, offered: tuple[str, ...]) -> ServerStatus:
        return ServerStatus(
            name=self.name,
            state=self.state,
            transport=self.config.transport,
            target=self.config.target,
            tools=offered,
            reason=self.reason,
            stderr=tuple(self.stderr),
            enabled=self.config.enabled,
        )

    # --- internals --------------------------------------------------------------------------

    def _set(self, state: ServerState, reason: str) -> None:
        self.state, self.reason = state, reason
        if state != "ready":
            self.tools = []
        self._on_change(self)

    def _lost(self, reason: str) -> None:
        self.reason = reason
        if self._closed is not None:
            self._closed.set()

    async def _stderr_drained(self) -> None:
        """Give the stderr reader a moment to take the dying server's last words."""
        tail = self._stderr_tail
        for _ in range(25):  # at most half a second
            if tail is None or tail.done.is_set():
                return
            await anyio.sleep(0.02)

    def _exit_reason(self) -> str:
        if self.reason:
            return self.reason
        last = f": {self.stderr[-1]}" if self.stderr else ""
        return f"the server closed the connection (exited){last}"

    def _failure(self, exc: BaseException) -> str:
        leaf = _leaf(exc)
        if isinstance(leaf, FileNotFoundError | PermissionError) and self.config.transport == "stdio":
            return f"cannot start {self.config.command!r}: {leaf.strerror or leaf}"
        if isinstance(leaf, httpx2.TransportError):
            return f"cannot reach {self.config.url}: {_one_line(leaf) or type(leaf).__name__}"
        if isinstance(leaf, MCPError):
            last = f" (stderr: {self.stderr[-1]})" if self.stderr else ""
            return f"{leaf.error.message}{last}"
        return _one_line(leaf) or type(leaf).__name__

    async def _transport(self, stack: AsyncExitStack, closed: anyio.Event) -> Transport:
        config = self.config
        if config.transport == "http":
            http = httpx2.AsyncClient(
                headers=config.headers, timeout=httpx2.Timeout(30.0, read=300.0), follow_redirects=False
            )
            await stack.enter_async_context(http)
            inner: Transport = streamable_http_client(config.url, http_client=http)
            return _watched(inner, closed, self._garbage)
        params = StdioServerParameters(
            command=config.command,
            args=list(config.args),
            env=child_environment(config),
            cwd=config.cwd,
            encoding_error_handler="replace",
        )
        errlog = self._stderr_tail = _StderrTail(self.stderr)
        stack.callback(errlog.close_parent_end)
        return _watched(
            stdio_client(params, errlog=errlog.writer), closed, self._garbage, errlog.close_parent_end
        )

    def _garbage(self, problem: Exception) -> None:
        self.stderr.append(f"[stdout is not JSON-RPC: {_one_line(problem)[:120]}]")


@asynccontextmanager
async def _watched(
    inner: Transport,
    closed: anyio.Event,
    on_garbage: Callable[[Exception], None],
    after_start: Callable[[], None] | None = None,
) -> AsyncIterator[TransportStreams]:
    """The transport's streams, with `closed` set when the server's side ends."""
    async with inner as (read, write):
        if after_start is not None:
            after_start()
        sender, receiver = anyio.create_memory_object_stream[SessionMessage | Exception](0)

        async def pump() -> None:
            try:
                async with sender:
                    async for item in read:
                        if isinstance(item, Exception):
                            on_garbage(item)
                        await sender.send(item)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass
            finally:
                closed.set()

        async with anyio.create_task_group() as group:
            group.start_soon(pump)
            try:
                yield receiver, write
            finally:
                group.cancel_scope.cancel()


class _StderrTail:
    """A pipe for the child's stderr; a daemon thread keeps its last lines."""

    def __init__(self, lines: deque[str]) -> None:
        read_fd, write_fd = os.pipe()
        self.writer: TextIO = os.fdopen(write_fd, "w")
        self.done = threading.Event()  # set at end of file: the child and its children are gone
        reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        threading.Thread(target=self._read, args=(reader, lines), name="mcp-stderr", daemon=True).start()

    def close_parent_end(self) -> None:
        # The child holds its own copy; ours must go, or the reader never sees end of file.
        with contextlib.suppress(OSError):
            self.writer.close()

    def _read(self, reader: TextIO, lines: deque[str]) -> None:
        try:
            with reader:
                for line in reader:
                    if text := line.rstrip():
                        lines.append(text[:500])
        finally:
            self.done.set()


async def _list_tools(client: Client) -> list[Tool]:
    tools: list[Tool] = []
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _leaf(exc: BaseException) -> BaseException:
    """The first real exception inside anyio's exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
