"""What the UI and the commands read about a server: a plain snapshot, no SDK import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ServerState = Literal["connecting", "ready", "failed", "stopped"]


@dataclass(frozen=True)
class ServerStatus:
    """A snapshot of one server for lists and the UI."""

    name: str
    state: ServerState
    transport: str
    target: str
    tools: tuple[str, ...] = ()  # the names offered to the model
    reason: str = ""  # why it failed or stopped
    stderr: tuple[str, ...] = ()
    enabled: bool = True

    @property
    def summary(self) -> str:
        if self.state == "ready":
            count = len(self.tools)
            return f"ready, {count} tool{'' if count == 1 else 's'}"
        if self.state == "failed":
            return f"failed: {self.reason}"
        if self.state == "stopped":
            return f"stopped{f' ({self.reason})' if self.reason else ''}"
        return "connecting…"
