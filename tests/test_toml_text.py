"""The TOML line finder shared by the config file and the theme files."""

from __future__ import annotations

import pytest

from tui_chat.toml_text import line_of, split_toml_position
from tui_chat.ui.themes import ThemeFileError, parse_theme

TEXT = """\
model = "m"           # line 1
[tools]
timeout = 5
[mcp_servers . "docs"]
command = "x"
[variables]
primary-muted = "red"
"""


def test_keys_are_found_in_plain_dotted_and_quoted_tables() -> None:
    assert line_of(TEXT, None, "model") == 1
    assert line_of(TEXT, "tools", "timeout") == 3
    assert line_of(TEXT, "mcp_servers.docs", "command") == 5
    assert line_of(TEXT, "variables", "primary-muted") == 7
    assert line_of(TEXT, "tools", "model") is None


def test_a_dotted_key_is_found_from_the_enclosing_table() -> None:
    text = 'name = "t"\nvariables.user-message-background = "#000"\n'
    assert line_of(text, "variables", "user-message-background") == 2


def test_tomllib_positions_are_split_off_the_message() -> None:
    assert split_toml_position("Invalid value (at line 2, column 5)") == ("Invalid value (column 5)", 2)
    assert split_toml_position("Something else") == ("Something else", None)


@pytest.mark.parametrize(
    "variables",
    [
        '[ "variables" ]\nuser-message-background = "not a colour"\n',
        'variables.user-message-background = "not a colour"\n',
    ],
)
def test_a_theme_error_names_the_line_however_the_table_is_written(variables: str) -> None:
    text = f'name = "t"\nprimary = "#6ea8fe"\n{variables}'
    with pytest.raises(ThemeFileError) as caught:
        parse_theme(text, "t.toml")
    assert f"line {text.count(chr(10))}" in str(caught.value)
