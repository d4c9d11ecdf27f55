"""Where things live on disk (platformdirs). Tests and power users can redirect with
TUI_CHAT_CONFIG_DIR and TUI_CHAT_DATA_DIR."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs

APP_NAME = "tui-chat"


def config_dir() -> Path:
    override = os.environ.get("TUI_CHAT_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    override = os.environ.get("TUI_CHAT_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


def database_file() -> Path:
    return data_dir() / "sessions.sqlite3"


def mcp_json_file() -> Path:
    """MCP servers in the `{"mcpServers": {...}}` format, read when it exists (tools/mcp/config.py)."""
    return config_dir() / "mcp.json"


def user_tools_dir() -> Path:
    return config_dir() / "tools"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by the user (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # not ours to change (e.g. a shared mount); still usable
        path.chmod(0o700)
    return path
