"""tui-chat: a terminal chat client for OpenAI-compatible APIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The one version source: pyproject.toml reads it (hatch dynamic version), `--version` prints it.
__version__ = "0.1.0"
__all__ = ["tool"]

if TYPE_CHECKING:
    from tui_chat.tools.decorator import tool


def __getattr__(name: str) -> Any:
    # `from tui_chat import tool` for user tool files, without importing the tools layer
    # (and its imports) for every `tui-chat --version`.
    if name == "tool":
        from tui_chat.tools.decorator import tool

        return tool
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
