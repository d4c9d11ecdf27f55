"""docs/themes.md stays true: every app variable and every key binding is documented, with the
binding's real default keys."""

from __future__ import annotations

import re
from pathlib import Path

from textual.binding import Binding

from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "themes.md").read_text(encoding="utf-8")


def test_every_app_variable_is_documented() -> None:
    for name in APP_VARIABLE_DEFAULTS:
        assert f"| `{name}` |" in DOC, name


def test_the_keys_table_matches_the_bindings() -> None:
    from tui_chat.ui import bindings

    documented = dict(re.findall(r"^\| `([a-z_]+)` \| `([^`]+)` \|", DOC, flags=re.MULTILINE))
    actual: dict[str, str] = {}
    for scope in (bindings.APP_BINDINGS, bindings.PROMPT_BINDINGS, bindings.LOG_BINDINGS):
        for binding in scope:
            if isinstance(binding, Binding) and binding.id:
                actual[binding.id] = binding.key
    assert documented == actual
