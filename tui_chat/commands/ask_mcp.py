"""`tui-chat ask` and MCP servers: connect the enabled ones before the first request, report the
ones that failed, and close every session (no child left running) when the turn is over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from tui_chat.config import Settings
from tui_chat.tools.registry import ToolRegistry


@asynccontextmanager
async def ask_mcp_servers(
    settings: Settings, registry: ToolRegistry | None, warn: Callable[[str], None]
) -> AsyncIterator[None]:
    """Their tools are in `registry` inside the block; each server's startup is bounded."""
    from tui_chat.tools.setup import mcp_may_add_tools

    if registry is None or not mcp_may_add_tools(settings):
        yield
        return
    from tui_chat.tools.mcp.manager import McpManager  # the SDK import is slow; only when needed

    manager = McpManager.from_settings(settings, registry)
    if manager is None:
        yield
        return
    try:
        manager.start()
        await manager.wait_started()
        for problem in manager.warnings:
            warn(problem)
        for status in manager.statuses():
            if status.state == "failed":
                warn(f"MCP server {status.name!r} {status.summary}")
        yield
    finally:
        await manager.close()
