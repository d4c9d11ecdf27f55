"""tui-chat: a terminal chat client for OpenAI-compatible APIs."""

from tui_chat.tools.decorator import tool

__all__ = ["tool"]
__version__ = "0.1.0"
