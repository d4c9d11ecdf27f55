"""One theme file's text -> a Textual `Theme`, with a message that names the line for anything
wrong (`ThemeFileError`). The format is in docs/themes.md."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import Theme

from tui_chat.toml_text import line_of, split_toml_position
from tui_chat.ui.theme_colours import COLOUR_KEYS, with_app_variables
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

DEFAULT_THEME = "tui-midnight"
"""The theme used when neither the config file nor --theme names one."""

_FLAG_KEYS = ("dark", "ansi")
_NUMBER_KEYS = {"luminosity_spread": (0.0, 1.0), "text_alpha": (0.0, 1.0)}
TOP_LEVEL_KEYS = frozenset({"name", *COLOUR_KEYS, *_FLAG_KEYS, *_NUMBER_KEYS, "variables"})

_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


@functools.cache
def textual_variables() -> frozenset[str]:
    """Textual's own variables ($border, $footer-key-foreground, ...): a theme may set these
    too. Every variable Textual's colour system generates, for any kind of theme; worked out on
    first use (four colour systems, a few milliseconds), not when the module is imported."""
    names: set[str] = set()
    for ansi in (False, True):
        for dark in (False, True):
            probe = Theme("probe", primary="ansi_blue" if ansi else "#336699", dark=dark, ansi=ansi)
            names.update(probe.to_color_system().generate())
    return frozenset(names)


def is_known_variable(name: str) -> bool:
    return name in APP_VARIABLE_DEFAULTS or name in textual_variables()


class ThemeFileError(ValueError):
    """One problem in one theme file; `str()` is the line shown to the user."""

    def __init__(self, where: str, problem: str, line: int | None = None) -> None:
        self.where = where
        self.problem = problem
        self.line = line
        super().__init__(f"{where}: line {line}: {problem}" if line else f"{where}: {problem}")


# ---------------------------------------------------------------------------------------------
# Parsing one file.


def parse_theme(text: str, where: str = "<theme>") -> Theme:
    """Build a Theme from the text of one theme file, or raise ThemeFileError. `where` names
    the file in the message. Variables the file leaves out are filled in (derived)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem, line = split_toml_position(str(exc))
        raise ThemeFileError(where, f"invalid TOML: {problem}", line) from None

    def fail(problem: str, key: str | None = None, table: str | None = None) -> ThemeFileError:
        line = line_of(text, table, key) if key else None
        return ThemeFileError(where, problem, line)

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, TOP_LEVEL_KEYS)
            raise fail(f"unknown key {key!r}{hint}", key)

    name = data.get("name")
    if name is None:
        raise fail("missing 'name' (the theme's name, e.g. name = \"my-theme\")")
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise fail(
            f"'name' must be letters, digits, '-' and '_' (starting with a letter or digit), not {name!r}",
            "name",
        )

    kwargs: dict[str, Any] = {}
    for key in _FLAG_KEYS:
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(f"{key!r} must be true or false, not {data[key]!r}", key)
            kwargs[key] = data[key]
    for key, (low, high) in _NUMBER_KEYS.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise fail(f"{key!r} must be a number between {low} and {high}, not {value!r}", key)
            kwargs[key] = float(value)

    if "primary" not in data:
        raise fail("missing 'primary' (the main colour, e.g. primary = \"#6ea8fe\")")
    for key in COLOUR_KEYS:
        if key in data:
            colour_problem = check_colour(data[key])
            if colour_problem:
                raise fail(f"{key!r}: {colour_problem}", key)
            kwargs[key] = data[key]

    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise fail("'variables' must be a table ([variables])", "variables")
    for key, value in variables.items():
        if not is_known_variable(key):
            hint = did_you_mean(key, textual_variables() | frozenset(APP_VARIABLE_DEFAULTS))
            raise fail(f"unknown variable {key!r}{hint}", key, "variables")
        value_problem = check_style(value) if _is_style_variable(key) else check_colour(value)
        if value_problem:
            raise fail(f"variable {key!r}: {value_problem}", key, "variables")

    theme = Theme(name=name, variables=dict(variables), **kwargs)
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # a combination Textual cannot work with
        raise fail(f"Textual cannot build this theme: {exc}") from None
    return with_app_variables(theme)


def check_colour(value: object) -> str | None:
    """None if `value` is a colour Textual accepts in a theme ("#1e1e1e", "ansi_blue",
    "rgb(1,2,3)", "#81a1c1 35%", "auto 80%"), else the problem."""
    if not isinstance(value, str):
        return f"must be a colour in quotes, not {value!r}"
    text = value.strip()
    match = re.fullmatch(r"(.*?)(?:\s+(\d{1,3}(?:\.\d+)?)%)?", text)
    assert match is not None
    colour, percent = match.group(1), match.group(2)
    if percent is not None and float(percent) > 100:
        return f"opacity must be at most 100%, not {percent}%"
    if colour == "auto":
        return None
    try:
        Color.parse(colour)
    except ColorParseError:
        return f"not a colour: {value!r} (use #rrggbb, rgb(…), hsl(…), a colour name or ansi_*)"
    return None


def check_style(value: object) -> str | None:
    """None if `value` is a text style ("bold", "b reverse", "not underline", "none")."""
    if not isinstance(value, str) or not value.split():
        return f'must be a text style such as "bold" or "none", not {value!r}'
    bad = [word for word in value.split() if word not in VALID_STYLE_FLAGS]
    if bad:
        return f"not a text style: {' '.join(bad)!r} (use {', '.join(sorted(VALID_STYLE_FLAGS))})"
    return None


def _is_style_variable(name: str) -> bool:
    return name.endswith("-text-style") or name in {"link-style", "link-style-hover"}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
