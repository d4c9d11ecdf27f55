"""One tool call inside a reply in the log: name, arguments (one line), status, duration."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.widgets.text import clean, one_line

_STATUS_ICONS = {
    "pending": ("◌", "pending"),
    "running": ("●", "running"),
    "ok": ("✓", "ok"),
    "error": ("✗", "error"),
    "refused": ("⊘", "refused"),
    "stopped": ("■", "stopped"),
}


class ToolCallLine(Static):
    """One tool call inside a reply: name, arguments (one line), status, duration."""

    def __init__(self, call_id: str, name: str, arguments: str = "") -> None:
        super().__init__(classes="tool-line", markup=False)
        self.call_id = call_id
        self.tool_name = name
        self.arguments = arguments
        self.status = "pending"
        self.duration: float | None = None
        self.detail = ""

    def on_mount(self) -> None:
        self._render_line()

    def add_arguments(self, delta: str) -> None:
        self.arguments += delta
        self._render_line()

    def set_state(
        self, status: str, *, arguments: str | None = None, duration: float | None = None, detail: str = ""
    ) -> None:
        self.status = status
        if arguments is not None:
            self.arguments = arguments
        if duration is not None:
            self.duration = duration
        self.detail = detail
        self._render_line()

    def _render_line(self) -> None:
        icon, label = _STATUS_ICONS.get(self.status, ("?", self.status))
        parts: list[tuple[str, str] | str] = [
            (f"{icon} ", f"$tool-{self.status}" if self.status in ("ok", "error", "refused") else ""),
            ("tool ", "dim"),
            (clean(self.tool_name), "bold"),
            (f"({one_line(self.arguments, 60)})", "dim"),
            ("  " + label, "italic"),
        ]
        if self.duration is not None and self.status in ("ok", "error"):
            shown = f"{self.duration * 1000:.0f}ms" if self.duration < 1 else f"{self.duration:.1f}s"
            parts.append((f" {shown}", "dim"))
        if self.detail:
            parts.append(("  " + one_line(self.detail, 50), "dim"))
        self.set_class(True, "-" + self.status)
        for other in _STATUS_ICONS:
            if other != self.status:
                self.remove_class("-" + other)
        self.update(Content.assemble(*parts))
