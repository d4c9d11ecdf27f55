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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import App
from textual.theme import BUILTIN_THEMES, Theme

from tui_chat import paths
from tui_chat.toml_text import line_of
from tui_chat.ui.theme_colours import derive_app_variables, with_app_variables
from tui_chat.ui.theme_files import (
    DEFAULT_THEME,
    ThemeFileError,
    check_colour,
    did_you_mean,
    parse_theme,
    textual_variables,
)
from tui_chat.ui.theme_option import add_theme_argument
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "DEFAULT_THEME",
    "ThemeFileError",
    "ThemeSetup",
    "UnknownThemeError",
    "add_theme_argument",
    "check_colour",
    "choose_theme",
    "complete_builtin_themes",
    "derive_app_variables",
    "load_themes",
    "parse_theme",
    "register_theme_files",
    "register_themes",
    "setup_themes",
]


@dataclass(frozen=True)
class ThemeSource:
    """Where a loaded theme came from, for the picker and for messages."""

    origin: str  # "bundled" or "user"
    location: str  # the file, as shown to the user


# ---------------------------------------------------------------------------------------------
# Finding and loading the files.


def bundled_themes_dir() -> Traversable:
    """The bundled themes: tui_chat/bundled_themes inside an installed wheel, the repository's
    top-level themes/ folder in a source checkout."""
    package = Path(__file__).parent.parent  # tui_chat/ (importlib.resources: ~3 ms of imports)
    installed = package / "bundled_themes"
    if installed.is_dir():
        return installed
    return package.parent / "themes"


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
                        line_of(text, None, "name"),
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
    _register(app, loaded)
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
                f"unknown theme {requested!r}{did_you_mean(requested, names)}; "
                f"available themes: {', '.join(names)}"
            )
        return requested, []
    fallback = DEFAULT_THEME if DEFAULT_THEME in names else "textual-dark"
    if configured is None:
        return fallback, []
    if configured not in names:
        return fallback, [
            f"config: theme {configured!r} not found{did_you_mean(configured, names)}; using {fallback!r}"
        ]
    return configured, []


class ThemeSetup:
    """What `setup_themes` left for after the first frame: the other bundled theme files, and
    the app variables of Textual's built-in themes. `step()` does one (a few milliseconds, so a
    key pressed meanwhile waits for one step, not all); `finish()` does the rest at once (call it
    before listing the themes). Problems found later (a broken bundled file) go to `warn`."""

    def __init__(self, app: _ThemedApp, steps: Iterable[Callable[[], list[str]]]) -> None:
        self._app = app
        self._steps = list(steps)
        self.warn: Callable[[str], None] | None = None

    @property
    def done(self) -> bool:
        return not self._steps

    def step(self) -> bool:
        """Do the next step; True while steps remain."""
        if self._steps:
            problems = self._steps.pop(0)()
            if problems and self.warn is not None:
                for problem in problems:
                    self.warn(problem)
        return bool(self._steps)

    def finish(self) -> None:
        while self.step():
            pass


def setup_themes(
    app: App[Any],
    *,
    requested: str | None = None,
    configured: str | None = None,
    user_dir: Path | None = None,
) -> tuple[list[str], ThemeSetup]:
    """Everything the app does about themes at start: register the bundled and user themes,
    then set `app.theme` to `requested` (--theme) or `configured` (the config file) or the
    default. Raises UnknownThemeError for an unknown `requested`; returns the problems to show
    (broken theme files, a configured theme that is gone) and what is left for later.

    Only what the first frame needs is done now: the user's themes (usually none) and the
    chosen bundled file are read; the other bundled files, and the app variables of Textual's
    built-in themes other than the chosen one, are the returned `ThemeSetup`'s steps. When the
    chosen theme is not a bundled file, every file is read now (the choice needs every name)."""
    user, problems = load_theme_folder(user_dir or paths.user_themes_dir(), "user")
    user_names = {theme.name for theme, _ in user}
    wanted = requested or configured or DEFAULT_THEME
    folder = bundled_themes_dir()
    later: list[Traversable] = []
    if wanted not in user_names and wanted not in BUILTIN_THEMES and (folder / f"{wanted}.toml").is_file():
        one_file = folder / f"{wanted}.toml"
        found, one_problems = _load_bundled(app, [one_file], user_names)
        if [theme.name for theme in found] == [wanted]:
            problems += one_problems
            later = [entry for entry in _theme_files(folder) if entry.name != one_file.name]
    if later:
        _register(app, user)
    else:  # every file now: the choice (and a message naming the themes) needs every name
        problems = register_theme_files(app, user_dir)
    name, more = choose_theme(app.available_themes, requested=requested, configured=configured)
    complete_builtin_themes(app, only=name)
    app.theme = name

    def bundled_step(entry: Traversable) -> Callable[[], list[str]]:
        return lambda: _load_bundled(app, [entry], user_names)[1]

    def builtin_step(builtin: str) -> Callable[[], list[str]]:
        def complete() -> list[str]:
            complete_builtin_themes(app, only=builtin)
            return []

        return complete

    steps = [bundled_step(entry) for entry in later]
    steps += [builtin_step(builtin) for builtin in BUILTIN_THEMES if builtin != name]
    return problems + more, ThemeSetup(app, steps)


def _load_bundled(
    app: _ThemedApp, entries: Iterable[Traversable], user_names: set[str]
) -> tuple[list[Theme], list[str]]:
    """Register these bundled files' themes (a user theme of the same name stays)."""
    themes: list[Theme] = []
    problems: list[str] = []
    for entry in entries:
        try:
            text = entry.read_text(encoding="utf-8")
            theme = parse_theme(text, f"themes/{entry.name}")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(str(ThemeFileError(f"themes/{entry.name}", f"cannot read the file: {exc}")))
            continue
        except ThemeFileError as exc:
            problems.append(str(exc))
            continue
        themes.append(theme)
        if theme.name not in user_names:
            app.register_theme(theme)
            THEME_SOURCES[theme.name] = ThemeSource("bundled", f"themes/{entry.name}")
    return themes, problems


def _register(app: _ThemedApp, loaded: Iterable[tuple[Theme, ThemeSource]]) -> None:
    for theme, source in loaded:
        app.register_theme(theme)
        THEME_SOURCES[theme.name] = source


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
        for name in sorted(textual_variables()):
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
