"""MCP: servers. Every configured server with its state; the highlighted one's tools and last
stderr lines; r restarts it, d disables it for this run. Only renders what the link reports."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.tools.mcp.status import ServerStatus
from tui_chat.ui.mcp_link import McpLink
from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.widgets.mcp_servers_panel import status_line
from tui_chat.ui.widgets.text import clean, literal


class McpServersScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="mcp_servers_close"),
        Binding("r", "restart", "Restart", id="mcp_servers_restart"),
        Binding("d", "disable", "Disable", id="mcp_servers_disable"),
    ]

    DEFAULT_CSS = """
    #mcp-dialog {
        width: 100;
    }
    #mcp-help {
        color: $text-muted;
        height: auto;
        margin-bottom: 1;
    }
    #mcp-list {
        height: auto;
        max-height: 10;
    }
    #mcp-details {
        height: auto;
        max-height: 20;
        margin-top: 1;
        padding: 0 1;
        background: $code-block-background;
    }
    """

    REFRESH_INTERVAL = 0.5  # seconds; stderr lines arrive without an event

    def __init__(self, link: McpLink) -> None:
        super().__init__()
        self.link = link
        self._shown: list[ServerStatus] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="mcp-dialog", classes="dialog") as dialog:
            dialog.border_title = "MCP servers"
            yield Static(
                "r restarts the highlighted server, d disables it for this run, esc closes.",
                id="mcp-help",
                markup=False,
            )
            yield OptionList(id="mcp-list")
            with VerticalScroll(id="mcp-details"):
                yield Static("", id="mcp-details-text", markup=False)

    def on_mount(self) -> None:
        self.refresh_servers()
        self.query_one("#mcp-list", OptionList).focus()
        self.set_interval(self.REFRESH_INTERVAL, self.refresh_servers)

    def refresh_servers(self) -> None:
        statuses = self.link.statuses()
        options = self.query_one("#mcp-list", OptionList)
        if statuses != self._shown:
            highlighted = options.highlighted
            options.clear_options()
            options.add_options([Option(status_line(s, 70), id=s.name) for s in statuses])
            if statuses:
                options.highlighted = min(highlighted or 0, len(statuses) - 1)
            self._shown = statuses
        self._show_details()

    def on_option_list_option_highlighted(self) -> None:
        self._show_details()

    def _selected(self) -> ServerStatus | None:
        options = self.query_one("#mcp-list", OptionList)
        index = options.highlighted
        if index is None or index >= len(self._shown):
            return None
        return self._shown[index]

    def _show_details(self) -> None:
        status = self._selected()
        details = self.query_one("#mcp-details-text", Static)
        if status is None:
            details.update("No MCP servers are configured (see docs/tools.md).")
            return
        lines = [
            Content.assemble(("server  ", "dim"), (clean(status.name), "bold")),
            Content.assemble(("state   ", "dim"), literal(status.summary)),
            Content.assemble(("runs    ", "dim"), literal(f"{status.transport}: {status.target}")),
            Content.assemble(("tools   ", "dim"), literal(", ".join(status.tools) or "(none offered)")),
        ]
        if status.stderr:
            lines.append(Content.styled("last stderr lines", "dim"))
            lines += [literal(line) for line in status.stderr[-10:]]
        details.update(Content("\n").join(lines))

    def action_restart(self) -> None:
        status = self._selected()
        if status is not None:
            self.link.restart(status.name)
            self.notify(f"Restarting MCP server {status.name!r}", timeout=2)

    def action_disable(self) -> None:
        status = self._selected()
        if status is not None:
            self.link.disable(status.name)
            self.notify(f"MCP server {status.name!r} disabled for this run", timeout=2)

    def action_close(self) -> None:
        self.dismiss(None)
