"""The app's link to its MCP servers (no widgets): starts the manager in the background so the
prompt takes keys at once, relays every state change, and closes every session on quit.

The SDK takes a second or more to import; that happens in a thread after the first paint.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_chat.config import Settings
from tui_chat.tools.mcp.status import ServerStatus
from tui_chat.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from tui_chat.tools.mcp.manager import McpManager
    from tui_chat.ui.app import ChatApp


class McpLink:
    def __init__(
        self,
        settings: Settings,
        registry: ToolRegistry | None,
        *,
        on_change: Callable[[], None],
        warn: Callable[[str], None],
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.manager: McpManager | None = None
        self._on_change = on_change
        self._warn = warn
        self._warned = 0
        self._states: dict[str, str] = {}
        self._closed = False

    @property
    def wanted(self) -> bool:
        """Whether there are servers (or problems with them) to start at all."""
        from tui_chat.tools.setup import mcp_may_add_tools

        return self.registry is not None and self.settings.tools_enabled and mcp_may_add_tools(self.settings)

    async def start(self) -> None:
        if not self.wanted or self.registry is None:
            return
        module = await asyncio.to_thread(importlib.import_module, "tui_chat.tools.mcp.manager")
        manager: McpManager | None = module.McpManager.from_settings(self.settings, self.registry)
        if manager is None or self._closed:
            return
        self.manager = manager
        manager.add_listener(self._changed)
        manager.start()
        self._changed()

    async def close(self) -> None:
        self._closed = True
        if self.manager is not None:
            await self.manager.close()

    def statuses(self) -> list[ServerStatus]:
        return self.manager.statuses() if self.manager is not None else []

    def server_of(self, tool: str) -> str | None:
        spec = self.registry.get(tool) if self.registry is not None else None
        return spec.server if spec is not None else None

    def restart(self, name: str) -> None:
        if self.manager is not None:
            self.manager.restart(name)

    def disable(self, name: str) -> None:
        if self.manager is not None:
            self.manager.disable(name)

    def _changed(self) -> None:
        manager = self.manager
        if manager is None:
            return
        for problem in manager.warnings[self._warned :]:
            self._warn(problem)
        self._warned = len(manager.warnings)
        for status in manager.statuses():
            before = self._states.get(status.name)
            if status.state == "failed" and before != "failed":
                self._warn(f"MCP server {status.name!r} {status.summary}")
            self._states[status.name] = status.state
        self._on_change()


def show_servers(app: ChatApp) -> None:
    """The servers' states in the sidebar and the status bar; their tools came or went."""
    from tui_chat.ui.widgets.mcp_servers_panel import servers_summary

    statuses = app.mcp.statuses()
    app.sidebar.servers.show(statuses)
    app.status_bar.mcp = servers_summary(statuses)
    app.status_bar.mcp_failed = any(s.state == "failed" for s in statuses)
    if app.registry is not None and app.settings.tools_enabled:
        app.status_bar.tools = len(app.registry.openai_tools())
