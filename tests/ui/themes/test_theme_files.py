"""The bundled themes: all load, complete, distinct, and readable."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import DEFAULT_THEME, bundled_themes_dir, load_theme_folder, parse_theme

REPO_THEMES = Path(__file__).resolve().parents[3] / "themes"
THEME_FILES = sorted(REPO_THEMES.glob("*.toml"))
MESSAGE_BACKGROUNDS = [
    "user-message-background",
    "assistant-message-background",
    "tool-message-background",
    "error-message-background",
    "sidebar-background",
    "code-block-background",
]
TOOL_COLOURS = ["tool-running", "tool-ok", "tool-error", "tool-refused"]


def luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = colour.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    high, low = sorted([luminance(Color.parse(a)), luminance(Color.parse(b))], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_bundled_folder_is_the_repository_themes_folder_in_a_checkout() -> None:
    assert Path(str(bundled_themes_dir())).resolve() == REPO_THEMES


def test_at_least_six_themes_dark_and_light_high_contrast_and_ansi() -> None:
    themes, problems = load_theme_folder(bundled_themes_dir(), "bundled")
    assert problems == []
    assert len(themes) >= 6
    by_name = {theme.name: theme for theme, _ in themes}
    assert DEFAULT_THEME in by_name
    assert any(t.dark for t in by_name.values()) and any(not t.dark for t in by_name.values())
    assert by_name["tui-high-contrast"].dark and not by_name["tui-high-contrast-light"].dark
    assert by_name["tui-terminal"].ansi


@pytest.mark.parametrize("path", THEME_FILES, ids=lambda p: p.stem)
def test_bundled_theme_loads_and_sets_every_app_variable(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    theme = parse_theme(text, path.name)
    assert theme.name == path.stem, "the file is named after its theme"
    assert theme.name not in BUILTIN_THEMES
    # Complete in the file itself (not only through derived fallbacks).
    declared = tomllib.loads(text)["variables"]
    assert set(APP_VARIABLE_DEFAULTS) <= set(declared)
    assert set(APP_VARIABLE_DEFAULTS) <= set(theme.variables)
    theme.to_color_system().generate()


@pytest.mark.parametrize("path", [p for p in THEME_FILES if "terminal" not in p.stem], ids=lambda p: p.stem)
def test_bundled_theme_text_is_readable(path: Path) -> None:
    """WCAG AA (4.5:1) everywhere; AAA (7:1) for the high-contrast themes."""
    theme = parse_theme(path.read_text(encoding="utf-8"), path.name)
    minimum = 7.0 if "high-contrast" in theme.name else 4.5
    assert theme.foreground and theme.background
    v = theme.variables
    assert contrast(theme.foreground, theme.background) >= minimum
    for background in MESSAGE_BACKGROUNDS:
        assert contrast(theme.foreground, v[background]) >= minimum, background
    for status in TOOL_COLOURS:
        for background in ("sidebar-background", "tool-message-background", "assistant-message-background"):
            assert contrast(v[status], v[background]) >= minimum, (status, background)
    if "high-contrast" in theme.name:
        for muted in ("text-muted", "text-disabled"):
            assert contrast(v[muted], theme.background) >= 7.0, muted


def test_terminal_theme_uses_only_ansi_colours() -> None:
    path = REPO_THEMES / "tui-terminal.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    values = [v for k, v in data.items() if isinstance(v, str) and k != "name"]
    values += [v for v in data["variables"].values() if not v.isalpha() or v.startswith("ansi_")]
    colours = [v for v in values if v not in ("bold", "reverse", "none")]
    assert colours and all(v.startswith("ansi_") for v in colours), colours
