"""Helpers for the MCP tests: server entries for the test servers in servers/, a started
manager, and checking that a process is gone."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.waiting import poll_until
from tests.waiting import wait_until as wait_until  # re-exported for the MCP tests
from tui_chat.tools.mcp.config import McpConfig, ServerConfig
from tui_chat.tools.mcp.manager import McpManager
from tui_chat.tools.registry import ToolRegistry

SERVERS = Path(__file__).parent / "servers"
TOOLS_SERVER = str(SERVERS / "tools_server.py")
SILENT_SERVER = str(SERVERS / "silent_server.py")


def stdio_server(name: str, *args: str, script: str = TOOLS_SERVER, **fields: Any) -> ServerConfig:
    return ServerConfig(
        name=name, transport="stdio", origin="test", command=sys.executable, args=(script, *args), **fields
    )


def json_entry(*args: str, script: str = TOOLS_SERVER, **fields: Any) -> dict[str, Any]:
    """The same server as an mcpServers entry."""
    return {"command": sys.executable, "args": [script, *args], **fields}


@asynccontextmanager
async def started(*servers: ServerConfig, registry: ToolRegistry | None = None) -> AsyncIterator[McpManager]:
    manager = McpManager(McpConfig(servers=list(servers)), registry or ToolRegistry(default_timeout=10))
    manager.start()
    try:
        await manager.wait_started(timeout=60)
        yield manager
    finally:
        await manager.close()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes once its state says so.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    """Whether the process ends within `timeout` seconds."""
    try:
        return poll_until(lambda: not process_alive(pid), f"process {pid} to end", timeout=timeout)
    except AssertionError:
        return False


def read_pid(path: Path, timeout: float = 30.0) -> int:
    text = poll_until(
        lambda: path.read_text().strip() if path.exists() else None, f"a pid in {path}", timeout=timeout
    )
    return int(text)
