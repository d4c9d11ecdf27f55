"""The settings come from one schema: every field's check and its place in the config file."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from tui_chat.config import ConfigError, Settings, parse_config_text
from tui_chat.config.settings import CHECKS, FILE_KEYS


def test_every_setting_has_a_check_and_a_place_in_the_file() -> None:
    filled_by_loading = {"sources", "warnings", "endpoint", "missing_key_env", "base_connection"}
    names = {f.name for f in fields(Settings)} - filled_by_loading - {"base_connection_sources"}
    assert set(CHECKS) == names
    assert set(FILE_KEYS.values()) == names
    assert FILE_KEYS["tools", "timeout"] == "tool_timeout"
    assert FILE_KEYS["model",] == "model"


def test_a_table_setting_is_read_and_checked_where_the_schema_puts_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    values, warnings = parse_config_text('[tools]\ntimeout = 5\nfiles = ["a.py"]\n', path)
    assert values == {"tool_timeout": 5.0, "tools_files": ["a.py"]}
    assert warnings == []
    with pytest.raises(ConfigError, match=r"line 2: 'tools.timeout' must be greater than 0"):
        parse_config_text("[tools]\ntimeout = -1\n", path)
