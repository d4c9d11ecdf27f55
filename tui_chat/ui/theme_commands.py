"""The command palette's "Theme: change theme": a theme list that previews each theme as it is
highlighted, keeps the chosen one (and saves it to the config file), and restores the previous
theme when the list is closed without a choice.

Integration (the app):

    from tui_chat.ui.theme_commands import ThemeCommands, open_theme_picker

    class ChatApp(App):
        COMMANDS = App.COMMANDS | {ThemeCommands}

        def search_themes(self) -> None:  # Textual's own "Theme" command previews too
            open_theme_picker(self)
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.theme import BUILTIN_THEMES
from textual.timer import Timer
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui_chat.ui.themes import THEME_SOURCES

ThemeChosen = Callable[[str], object]
"""Called with the chosen theme; a returned Future is a write whose failure is reported."""


def save_theme_choice(name: str) -> Future[Path]:
    """Write `theme = name` to the config file (comments and layout kept), in the config
    writer's thread."""
    from tui_chat.config import save_setting
    from tui_chat.ui import config_writes

    return config_writes.submit(lambda: save_setting(("theme",), name))


def theme_description(app: App[Any], name: str) -> str:
    theme = app.available_themes.get(name)
    kind = "dark" if theme is None or theme.dark else "light"
    if theme is not None and theme.ansi:
        kind += ", terminal colours"
    source = THEME_SOURCES.get(name)
    if source is not None:
        origin = "your theme" if source.origin == "user" else "bundled"
    else:
        origin = "Textual" if name in BUILTIN_THEMES else "app"
    return f"{kind} · {origin}"


class ThemePalette(CommandPalette):
    """A command palette listing the registered themes with live preview."""

    PREVIEW_DELAY = 0.08
    """Seconds a theme must stay highlighted before it is previewed."""

    def __init__(self, on_chosen: ThemeChosen | None = save_theme_choice) -> None:
        super().__init__(
            providers=[_provider_for(self)],
            placeholder="Search themes… (↑/↓ preview, Enter keeps, Esc restores)",
        )
        self._on_chosen = on_chosen
        self.original_theme: str | None = None
        """The theme when the palette opened; restored unless a theme is chosen."""
        self.chosen: str | None = None
        self._preview_timer: Timer | None = None

    def on_mount(self) -> None:
        self.original_theme = self.app.theme

    @staticmethod
    def _theme_of(option: Option) -> str | None:
        hit = getattr(option, "hit", None)
        text = getattr(hit, "text", None)
        return text if isinstance(text, str) else None

    @on(OptionList.OptionHighlighted)
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        name = self._theme_of(event.option)
        if name is None:
            return
        # Restyling the whole app takes a moment: while a key is held down, only the theme
        # the cursor stops on is applied.
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(self.PREVIEW_DELAY, partial(self._apply, name))

    @on(OptionList.OptionSelected)
    def _remember_choice(self, event: OptionList.OptionSelected) -> None:
        # Every way of choosing (Enter, click, the only match) goes through OptionSelected,
        # before the palette dismisses itself.
        self.chosen = self._theme_of(event.option)

    def on_unmount(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if self.chosen is None and self.original_theme is not None:
            self._apply(self.original_theme)

    def _apply(self, name: str) -> None:
        if self.app.theme != name and name in self.app.available_themes:
            self.app.theme = name

    def choose(self, name: str) -> None:
        """Keep `name` and save it (runs after the palette has closed)."""
        self.chosen = name
        self._apply(name)
        if self._on_chosen is None:
            return
        app = self.app

        def not_saved(exc: BaseException) -> None:  # broken or read-only: keep the theme anyway
            app.notify(f"Theme {name!r} applied but not saved: {exc}", severity="warning", timeout=8)

        try:
            written = self._on_chosen(name)
        except Exception as exc:
            not_saved(exc)
            return
        if isinstance(written, Future):
            from tui_chat.ui import config_writes

            config_writes.report_errors(written, not_saved)


def _provider_for(palette: ThemePalette) -> type[Provider]:
    class ThemeChoices(Provider):
        """The registered themes, the current one first (so opening previews nothing)."""

        def _names(self) -> list[str]:
            current = palette.original_theme or self.app.theme
            names = sorted(self.app.available_themes)
            ours = [n for n in names if n not in BUILTIN_THEMES or n in THEME_SOURCES]
            textual = [n for n in names if n not in ours]
            ordered = ours + textual
            if current in ordered:
                ordered.remove(current)
                ordered.insert(0, current)
            return ordered

        async def discover(self) -> Hits:
            current = palette.original_theme or self.app.theme
            for name in self._names():
                help_text = theme_description(self.app, name)
                if name == current:
                    help_text += " · current"
                yield DiscoveryHit(name, partial(palette.choose, name), text=name, help=help_text)

        async def search(self, query: str) -> Hits:
            matcher = self.matcher(query)
            for name in self._names():
                score = matcher.match(name)
                if score > 0:
                    yield Hit(
                        score,
                        matcher.highlight(name),
                        partial(palette.choose, name),
                        text=name,
                        help=theme_description(self.app, name),
                    )

    return ThemeChoices


def open_theme_picker(app: App[Any], on_chosen: ThemeChosen | None = save_theme_choice) -> ThemePalette:
    """Show the theme list with live preview; the chosen theme is passed to `on_chosen`
    (default: saved to the config file)."""
    palette = ThemePalette(on_chosen)
    app.push_screen(palette)
    return palette


class ThemeCommands(Provider):
    """Adds "Theme: change theme" to the app's command palette."""

    TITLE = "Theme: change theme"
    HELP = "Preview themes as you move through them; Enter keeps one, Esc restores"

    async def discover(self) -> Hits:
        yield DiscoveryHit(self.TITLE, self._open, help=self.HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        score = matcher.match(self.TITLE)
        if score > 0:
            yield Hit(score, matcher.highlight(self.TITLE), self._open, text=self.TITLE, help=self.HELP)

    def _open(self) -> None:
        open_theme_picker(self.app)
