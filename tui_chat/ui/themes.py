"""Themes as data files: the bundled ones (the repository's top-level themes/ folder, shipped in
the wheel as tui_chat/bundled_themes) and the user's own (paths.user_themes_dir()).

One theme a TOML file::

    name = "tui-midnight"
    dark = true
    primary = "#6ea8fe"
    ...
    [variables]
    user-message-background = "#1a2740"
    ...

A broken file is reported ("…/themes/foo.toml: line 3: unknown key 'primay'") and skipped;
loading never raises. A user theme with the name of a bundled theme (or of a Textual built-in)
replaces it. App variables a theme leaves out are derived from its own colours, so a light
theme gets light message backgrounds (see `derive_app_variables`). docs/themes.md describes the
format for users.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol

from textual.app import App
from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.theme import BUILTIN_THEMES, Theme

from tui_chat import paths
from tui_chat.ui.theme_option import add_theme_argument
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

__all__ = [
    "DEFAULT_THEME",
    "UnknownThemeError",
    "add_theme_argument",
    "choose_theme",
    "complete_builtin_themes",
    "load_themes",
    "parse_theme",
    "register_theme_files",
    "register_themes",
    "setup_themes",
]

DEFAULT_THEME = "tui-midnight"
"""The theme used when neither the config file nor --theme names one."""

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
"""Textual's theme colours; only `primary` is required."""

_FLAG_KEYS = ("dark", "ansi")
_NUMBER_KEYS = {"luminosity_spread": (0.0, 1.0), "text_alpha": (0.0, 1.0)}
TOP_LEVEL_KEYS = frozenset({"name", *COLOUR_KEYS, *_FLAG_KEYS, *_NUMBER_KEYS, "variables"})

_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


def _textual_variable_names() -> frozenset[str]:
    """Every variable Textual's colour system generates, for any kind of theme."""
    names: set[str] = set()
    for ansi in (False, True):
        for dark in (False, True):
            probe = Theme("probe", primary="ansi_blue" if ansi else "#336699", dark=dark, ansi=ansi)
            names.update(probe.to_color_system().generate())
    return frozenset(names)


TEXTUAL_VARIABLES = _textual_variable_names()
"""Textual's own variables ($border, $footer-key-foreground, ...): a theme may set these too."""

KNOWN_VARIABLES = TEXTUAL_VARIABLES | frozenset(APP_VARIABLE_DEFAULTS)


@dataclass(frozen=True)
class ThemeSource:
    """Where a loaded theme came from, for the picker and for messages."""

    origin: str  # "bundled" or "user"
    location: str  # the file, as shown to the user


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
        problem, line = _split_toml_position(str(exc))
        raise ThemeFileError(where, f"invalid TOML: {problem}", line) from None

    def fail(problem: str, key: str | None = None, table: str | None = None) -> ThemeFileError:
        line = _line_of(text, table, key) if key else None
        return ThemeFileError(where, problem, line)

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = _did_you_mean(key, TOP_LEVEL_KEYS)
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
        if key not in KNOWN_VARIABLES:
            hint = _did_you_mean(key, KNOWN_VARIABLES)
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


def _split_toml_position(message: str) -> tuple[str, int | None]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if not match:
        return message, None
    return f"{message[: match.start()]} (column {match.group(2)})", int(match.group(1))


def _line_of(text: str, table: str | None, key: str) -> int | None:
    """The 1-based line of `key = ...` inside `[table]` (None: top level)."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = header.group(1).strip().strip("\"'")
            continue
        if current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---------------------------------------------------------------------------------------------
# The app's own variables: derived from a theme's colours when the theme does not set them.


def derive_app_variables(theme: Theme) -> dict[str, str]:
    """Values for every app variable (APP_VARIABLE_DEFAULTS' keys) that fit `theme`: message
    backgrounds are the theme's background tinted with its primary / secondary / error colour,
    tool statuses use its warning / success / error text colours. ANSI themes get the
    terminal's own colours."""
    if theme.ansi:
        return {
            "user-message-background": "ansi_default",
            "assistant-message-background": "ansi_default",
            "tool-message-background": "ansi_default",
            "error-message-background": "ansi_default",
            "sidebar-background": "ansi_default",
            "code-block-background": "ansi_default",
            "tool-running": "ansi_yellow",
            "tool-ok": "ansi_green",
            "tool-error": "ansi_red",
            "tool-refused": "ansi_magenta",
        }
    try:
        generated = replace(theme, variables={}).to_color_system().generate()
        colour = {name: Color.parse(generated[name]) for name in COLOUR_KEYS if name in generated}
    except (ColorParseError, KeyError, ValueError):
        return dict(APP_VARIABLE_DEFAULTS)
    if any(c.ansi is not None for c in colour.values()):
        return dict(APP_VARIABLE_DEFAULTS)  # a half-ANSI theme: no arithmetic on its colours
    background = colour["background"]
    foreground = colour.get("foreground") or background.get_contrast_text(1.0)
    surface = colour.get("surface", background)
    dark = theme.dark

    def on_background(tint: Color, factor: float) -> str:
        return background.blend(tint.with_alpha(1.0), factor, alpha=1.0).hex

    def text(name: str, fallback: Color) -> str:
        try:
            return Color.parse(generated[f"text-{name}"]).hex
        except (ColorParseError, KeyError):
            return fallback.hex

    primary = colour["primary"]
    secondary = colour.get("secondary", primary)
    return {
        "user-message-background": on_background(primary, 0.18 if dark else 0.12),
        "assistant-message-background": surface.with_alpha(1.0).hex,
        "tool-message-background": on_background(secondary, 0.14 if dark else 0.10),
        "error-message-background": on_background(colour.get("error", primary), 0.22 if dark else 0.14),
        "sidebar-background": (background.darken(0.03) if dark else background.darken(0.04)).hex,
        "code-block-background": (
            background.darken(0.05) if dark else background.blend(foreground, 0.06)
        ).hex,
        "tool-running": text("warning", colour.get("warning", primary)),
        "tool-ok": text("success", colour.get("success", primary)),
        "tool-error": text("error", colour.get("error", primary)),
        "tool-refused": background.blend(foreground.with_alpha(1.0), 0.6, alpha=1.0).hex,
    }


def _ansi_gaps(theme: Theme) -> dict[str, str]:
    """Variables Textual's ANSI colour system does not generate but its own widgets' CSS uses
    ($ansi-background, $foreground-disabled, ...): Textual's ANSI themes set some by hand."""
    if not theme.ansi:
        return {}
    dark = theme.dark
    return {
        "ansi-background": "ansi_black" if dark else "ansi_white",
        "ansi-foreground": "ansi_white" if dark else "ansi_black",
        "foreground-disabled": "ansi_default 50%",
        "surface-active": "transparent",
    }


def with_app_variables(theme: Theme) -> Theme:
    """`theme` with every app variable it lacks filled in by `derive_app_variables` (and, for
    ANSI themes, the Textual variables their colour system leaves out)."""
    gaps = {name: value for name, value in _ansi_gaps(theme).items() if name not in theme.variables}
    missing = [name for name in APP_VARIABLE_DEFAULTS if name not in theme.variables]
    if not missing and not gaps:
        return theme
    derived = derive_app_variables(theme) if missing else {}
    filled = {**gaps, **{name: derived[name] for name in missing}}
    return replace(theme, variables={**filled, **theme.variables})


# ---------------------------------------------------------------------------------------------
# Finding and loading the files.


def bundled_themes_dir() -> Traversable:
    """The bundled themes: tui_chat/bundled_themes inside an installed wheel, the repository's
    top-level themes/ folder in a source checkout."""
    package = resources.files("tui_chat")
    installed = package / "bundled_themes"
    if installed.is_dir():
        return installed
    return Path(str(package)).parent / "themes"


def _theme_files(folder: Traversable) -> Iterator[Traversable]:
    try:
        if not folder.is_dir():
            return
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.endswith(".toml") and not entry.name.startswith(".") and entry.is_file():
            yield entry


def _shown(path: Traversable) -> str:
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and text.startswith(home + "/"):
        return "~" + text[len(home) :]
    return text


def load_theme_folder(folder: Traversable, origin: str) -> tuple[list[tuple[Theme, ThemeSource]], list[str]]:
    """Every good theme in `folder` (sorted by file name) and a problem line per bad file."""
    themes: list[tuple[Theme, ThemeSource]] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for entry in _theme_files(folder):
        where = _shown(entry) if origin == "user" else f"themes/{entry.name}"
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(str(ThemeFileError(where, f"cannot read the file: {exc}")))
            continue
        try:
            theme = parse_theme(text, where)
        except ThemeFileError as exc:
            problems.append(str(exc))
            continue
        if theme.name in seen:
            problems.append(
                str(
                    ThemeFileError(
                        where,
                        f"theme {theme.name!r} is already defined in {seen[theme.name]}; skipped",
                        _line_of(text, None, "name"),
                    )
                )
            )
            continue
        seen[theme.name] = entry.name
        themes.append((theme, ThemeSource(origin, where)))
    return themes, problems


def load_themes_with_sources(
    user_dir: Path | None = None,
) -> tuple[list[tuple[Theme, ThemeSource]], list[str]]:
    """Bundled then user themes; a user theme with a bundled theme's name takes its place."""
    bundled, problems = load_theme_folder(bundled_themes_dir(), "bundled")
    user, user_problems = load_theme_folder(user_dir or paths.user_themes_dir(), "user")
    by_name = {theme.name: (theme, source) for theme, source in bundled}
    for theme, source in user:
        by_name[theme.name] = (theme, source)
    return list(by_name.values()), problems + user_problems


def load_themes(user_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """All bundled and user themes (never raises) and one problem line per skipped file."""
    loaded, problems = load_themes_with_sources(user_dir)
    return [theme for theme, _ in loaded], problems


class _ThemedApp(Protocol):
    @property
    def available_themes(self) -> dict[str, Theme]: ...

    def register_theme(self, theme: Theme) -> None: ...


THEME_SOURCES: dict[str, ThemeSource] = {}
"""Where each registered theme came from (filled by register_themes; Textual's built-ins are
absent)."""


def register_themes(app: _ThemedApp, user_dir: Path | None = None) -> list[str]:
    """Register the bundled and user themes with `app`, and give Textual's built-in themes the
    app variables they lack (derived from their colours). Returns the problems to show."""
    problems = register_theme_files(app, user_dir)
    complete_builtin_themes(app)
    return problems


def register_theme_files(app: _ThemedApp, user_dir: Path | None = None) -> list[str]:
    """Register the bundled and user theme files; the problems to show."""
    loaded, problems = load_themes_with_sources(user_dir)
    for theme, source in loaded:
        app.register_theme(theme)
        THEME_SOURCES[theme.name] = source
    return problems


def complete_builtin_themes(app: _ThemedApp, only: str | None = None) -> None:
    """Give Textual's built-in themes (all, or `only` that one) the app variables they lack.
    Deriving them for all 20 takes tens of milliseconds: the app does it after its first frame."""
    for theme in list(app.available_themes.values()):
        if theme.name in BUILTIN_THEMES and only in (None, theme.name):
            completed = with_app_variables(theme)
            if completed is not theme:
                app.register_theme(completed)


# ---------------------------------------------------------------------------------------------
# Choosing the theme at start.


class UnknownThemeError(ValueError):
    """--theme named a theme that is not registered."""


def choose_theme(
    available: Iterable[str], *, requested: str | None = None, configured: str | None = None
) -> tuple[str, list[str]]:
    """The theme to start with and problems to show.

    `requested` (--theme) must exist: UnknownThemeError lists the available ones. A
    `configured` (config file) theme that does not exist falls back to the default with a
    problem line, so a deleted user theme never stops the app."""
    names = sorted(set(available))
    if requested is not None:
        if requested not in names:
            raise UnknownThemeError(
                f"unknown theme {requested!r}{_did_you_mean(requested, names)}; "
                f"available themes: {', '.join(names)}"
            )
        return requested, []
    fallback = DEFAULT_THEME if DEFAULT_THEME in names else "textual-dark"
    if configured is None:
        return fallback, []
    if configured not in names:
        return fallback, [
            f"config: theme {configured!r} not found{_did_you_mean(configured, names)}; using {fallback!r}"
        ]
    return configured, []


def setup_themes(
    app: App[Any],
    *,
    requested: str | None = None,
    configured: str | None = None,
    user_dir: Path | None = None,
) -> list[str]:
    """Everything the app does about themes at start: register the bundled and user themes,
    then set `app.theme` to `requested` (--theme) or `configured` (the config file) or the
    default. Raises UnknownThemeError for an unknown `requested`; returns the problems to show
    (broken theme files, a configured theme that is gone).

    Of Textual's built-in themes only the chosen one gets the app variables here: call
    `complete_builtin_themes(app)` once the first frame is up, before anyone lists themes."""
    problems = register_theme_files(app, user_dir)
    name, more = choose_theme(app.available_themes, requested=requested, configured=configured)
    complete_builtin_themes(app, only=name)
    app.theme = name
    return problems + more


# ---------------------------------------------------------------------------------------------
# Checking theme files from the command line: python -m tui_chat.ui.themes [FILE ...]


def main(argv: list[str] | None = None) -> int:
    """List the themes (bundled and yours) and report broken files; with FILE arguments, check
    just those files. Exit status 1 when there is a problem."""
    parser = argparse.ArgumentParser(
        prog="python -m tui_chat.ui.themes",
        description="Check theme files and list the themes tui-chat can use.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="theme files to check")
    parser.add_argument("--variables", action="store_true", help="list every variable a theme may set")
    args = parser.parse_args(argv)
    if args.variables:
        for name in sorted(APP_VARIABLE_DEFAULTS):
            print(f"{name}  (app)")
        for name in sorted(TEXTUAL_VARIABLES):
            print(f"{name}  (Textual)")
        return 0
    if args.files:
        status = 0
        for path in args.files:
            try:
                theme = parse_theme(path.read_text(encoding="utf-8"), str(path))
            except (OSError, UnicodeDecodeError) as exc:
                print(f"{path}: cannot read the file: {exc}")
                status = 1
            except ThemeFileError as exc:
                print(exc)
                status = 1
            else:
                print(f"{path}: ok: {theme.name} ({'dark' if theme.dark else 'light'})")
        return status
    loaded, problems = load_themes_with_sources()
    for theme, source in sorted(loaded, key=lambda item: item[0].name):
        kind = "dark" if theme.dark else "light"
        print(f"{theme.name:28} {kind:5}  {source.origin:7}  {source.location}")
    print(f"(your themes folder: {_shown(paths.user_themes_dir())})")
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
