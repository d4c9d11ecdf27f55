"""The MCP servers at the top of the tool sidebar: one line each, state and tool count."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_chat.tools.mcp.status import ServerStatus
from tui_chat.ui.widgets.text import clean, one_line

STATE_STYLES = {
    "ready": "$text-success",
    "connecting": "$text-warning",
    "failed": "$text-error",
    "stopped": "$foreground-muted",
}
STATE_GLYPHS = {"ready": "●", "connecting": "○", "failed": "✗", "stopped": "-"}


def status_line(status: ServerStatus, width: int = 60) -> Content:
    style = STATE_STYLES.get(status.state, "")
    return Content.assemble(
        (f"{STATE_GLYPHS.get(status.state, '?')} ", style),
        (clean(status.name), "bold"),
        "  ",
        (one_line(status.summary, width), style),
    )


def servers_summary(statuses: list[ServerStatus]) -> str:
    """For the status bar: "2/3" ready of enabled, "…" while any is still connecting."""
    enabled = [s for s in statuses if s.enabled]
    if not enabled:
        return ""
    ready = sum(1 for s in enabled if s.state == "ready")
    connecting = any(s.state == "connecting" for s in enabled)
    return f"{ready}/{len(enabled)}{'…' if connecting else ''}"


class McpServersPanel(Static):
    DEFAULT_CSS = """
    McpServersPanel {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        border-left: outer $primary 50%;
    }
    """

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.display = False
        self.statuses: list[ServerStatus] = []

    def show(self, statuses: list[ServerStatus]) -> None:
        self.statuses = list(statuses)
        self.display = bool(statuses)
        if not statuses:
            return
        lines = [Content.styled("MCP servers", "bold $text-muted")]
        lines += [status_line(status, 40) for status in statuses]
        self.update(Content("\n").join(lines))

    @property
    def text(self) -> str:
        return "\n".join(f"{s.name} {s.summary}" for s in self.statuses)
