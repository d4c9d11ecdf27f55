"""Markdown rendered by Rich into lines (Strips), styled from the app's theme.

A reply is shown as lines, not as a tree of widgets: each top-level Markdown block is rendered
once by Rich at the current width and kept as a list of `Strip`s (see reply_body.py). This module
holds the pure part: splitting Markdown into top-level blocks, and rendering one block with the
styles a theme asks for.

Looks (the same rules in every theme; the colours come from the theme):
- headings are bold in the accent / secondary / text colours, never underlined: only links are
  underlined (in the primary text colour), so a heading never reads as a link;
- code blocks sit on `$code-block-background`, highlighted from theme colours (function names
  are coloured, not underlined);
- tables have a rule under the header only, not between rows.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Error,
    Generic,
    Keyword,
    Name,
    Number,
    Operator,
    String,
)
from pygments.token import (
    Token as PygmentsToken,
)
from pygments.util import ClassNotFound  # type: ignore[import-untyped]
from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Heading, Markdown, TableElement
from rich.style import Style
from rich.syntax import ANSISyntaxTheme, Syntax
from rich.table import Table
from rich.theme import Theme
from textual.color import Color
from textual.strip import Strip

_block_parser: MarkdownIt | None = None
_render_parser: MarkdownIt | None = None


def _blocks_parser() -> MarkdownIt:
    global _block_parser
    if _block_parser is None:
        _block_parser = MarkdownIt("gfm-like")
    return _block_parser


def _rich_parser() -> MarkdownIt:
    global _render_parser
    if _render_parser is None:
        # What rich.markdown.Markdown builds for every instance (about 1 ms each), built once,
        # plus bare URLs as links (as Textual's Markdown widget showed them).
        _render_parser = (
            MarkdownIt("commonmark", {"linkify": True})
            .enable("strikethrough")
            .enable("table")
            .enable("linkify")
        )
    return _render_parser


def block_starts(markdown: str) -> list[int]:
    """The first line of every top-level block of `markdown`, in order."""
    return [
        token.map[0]
        for token in _blocks_parser().parse(markdown)
        if token.level == 0 and token.map is not None and token.nesting >= 0
    ]


def split_blocks(markdown: str) -> list[str]:
    """`markdown` cut into its top-level blocks; the pieces join back to exactly `markdown`
    (blank lines stay with the block before them)."""
    if not markdown:
        return []
    starts = block_starts(markdown)
    if len(starts) < 2:
        return [markdown]
    lines = markdown.splitlines(keepends=True)
    cuts = [0, *starts[1:], len(lines)]
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(cuts) if b > a]


# --- styles from the theme ---------------------------------------------------------------------


def _color(variables: Mapping[str, str], name: str, fallback: Color) -> Color:
    value = variables.get(name)
    if not value:
        return fallback
    try:
        return Color.parse(value)
    except Exception:  # "auto 87%" and other forms that need a background: use the fallback
        return fallback


@dataclass(frozen=True)
class Palette:
    """The colours the Markdown lines use, resolved to opaque colours for the theme's background."""

    foreground: Color
    muted: Color
    background: Color
    code_background: Color
    primary: Color
    secondary: Color
    accent: Color
    success: Color
    warning: Color
    error: Color

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        background = _color(variables, "background", Color(18, 18, 18))
        foreground = _color(variables, "foreground", Color(224, 224, 224))

        def opaque(name: str, fallback: Color) -> Color:
            color = _color(variables, name, fallback)
            return background + color if color.a < 1 else color

        foreground = opaque("foreground", foreground)
        return cls(
            foreground=foreground,
            muted=background.blend(foreground, 0.65),
            background=background,
            code_background=opaque("code-block-background", background),
            primary=opaque("text-primary", opaque("primary", foreground)),
            secondary=opaque("text-secondary", opaque("secondary", foreground)),
            accent=opaque("text-accent", opaque("accent", foreground)),
            success=opaque("text-success", opaque("success", foreground)),
            warning=opaque("text-warning", opaque("warning", foreground)),
            error=opaque("text-error", opaque("error", foreground)),
        )

    def style(
        self, color: Color, *, bold: bool = False, italic: bool = False, underline: bool = False
    ) -> Style:
        return Style(color=color.rich_color, bold=bold, italic=italic, underline=underline)

    def rich_theme(self) -> Theme:
        s = self.style
        code_bg = self.code_background.rich_color
        return Theme(
            {
                "markdown.paragraph": Style(),
                "markdown.text": Style(),
                "markdown.em": Style(italic=True),
                "markdown.emph": Style(italic=True),
                "markdown.strong": Style(bold=True),
                "markdown.s": Style(strike=True),
                "markdown.code": Style(color=self.accent.rich_color, bgcolor=code_bg),
                "markdown.code_block": Style(bgcolor=code_bg),
                "markdown.block_quote": s(self.muted, italic=True),
                "markdown.list": Style(),
                "markdown.item": Style(),
                "markdown.item.bullet": s(self.accent, bold=True),
                "markdown.item.number": s(self.accent, bold=True),
                "markdown.hr": s(self.muted),
                "markdown.h1": s(self.accent, bold=True),
                "markdown.h2": s(self.secondary, bold=True),
                "markdown.h3": s(self.foreground, bold=True),
                "markdown.h4": s(self.muted, bold=True, italic=True),
                "markdown.h5": s(self.muted, bold=True, italic=True),
                "markdown.h6": s(self.muted, italic=True),
                "markdown.link": s(self.primary, underline=True),
                "markdown.link_url": s(self.primary, underline=True),
                "markdown.table.border": s(self.muted),
                "markdown.table.header": Style(bold=True),
                "markdown.kbd": Style(bold=True),
            },
            inherit=True,
        )

    def syntax_theme(self) -> ANSISyntaxTheme:
        s = self.style
        theme = ANSISyntaxTheme(
            {
                PygmentsToken: s(self.foreground),
                Comment: s(self.muted, italic=True),
                Keyword: s(self.secondary, bold=True),
                Keyword.Constant: s(self.warning),
                Name: s(self.foreground),
                Name.Function: s(self.primary),
                Name.Class: s(self.primary, bold=True),
                Name.Builtin: s(self.accent),
                Name.Decorator: s(self.accent),
                Name.Tag: s(self.secondary),
                Name.Attribute: s(self.primary),
                String: s(self.success),
                Number: s(self.warning),
                Operator: s(self.foreground),
                Operator.Word: s(self.secondary, bold=True),
                Generic.Inserted: s(self.success),
                Generic.Deleted: s(self.error),
                Generic.Heading: s(self.accent, bold=True),
                Error: s(self.error),
            }
        )
        theme._background_style = Style(bgcolor=self.code_background.rich_color)
        return theme


# --- Rich Markdown with the app's looks --------------------------------------------------------


class _Heading(Heading):
    LEVEL_ALIGN: ClassVar[dict[str, str]] = {f"h{n}": "left" for n in range(1, 7)}  # type: ignore[assignment]


@functools.lru_cache(maxsize=64)
def _lexer(name: str) -> Lexer | str:
    """The Pygments lexer for a code block's language, made once: Rich looks it up by name on
    every render (a few ms each time), and a streaming code block is rendered on every update.
    An unknown name stays a name (Rich shows the code unhighlighted, as before)."""
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=4)  # Syntax's options
    except ClassNotFound:
        return name


class _CodeBlock(CodeBlock):
    syntax_theme: ClassVar[ANSISyntaxTheme | None] = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        theme = getattr(console, "syntax_theme", None) or self.theme
        code = str(self.text).rstrip()
        yield Syntax(code, _lexer(self.lexer_name), theme=theme, word_wrap=True, padding=(0, 1))


class _Table(TableElement):
    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # A rule under the header only (box.SIMPLE draws no rule between rows).
        table = Table(
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            style="markdown.table.border",
            show_edge=False,
            collapse_padding=True,
        )
        if self.header is not None and self.header.row is not None:
            for column in self.header.row.cells:
                heading = column.content.copy()
                heading.stylize("markdown.table.header")
                table.add_column(heading)
        if self.body is not None:
            for row in self.body.rows:
                table.add_row(*(cell.content for cell in row.cells))
        yield table


class BlockMarkdown(Markdown):
    """rich's Markdown with the app's heading, code and table looks, parsed by a shared parser."""

    elements: ClassVar[dict[str, type]] = {
        **Markdown.elements,
        "heading_open": _Heading,
        "fence": _CodeBlock,
        "code_block": _CodeBlock,
        "table_open": _Table,
    }

    def __init__(self, markup: str) -> None:  # rich's __init__, minus building a parser
        self.markup = markup
        self.parsed: list[Token] = _rich_parser().parse(markup)
        self.code_theme = "ansi_dark"
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = "ansi_dark"


class MarkdownRenderer:
    """Renders Markdown blocks to Strips for one palette (a Console with the palette's styles)."""

    def __init__(self, palette: Palette) -> None:
        self.palette = palette
        self.console = Console(
            file=io.StringIO(),
            theme=palette.rich_theme(),
            color_system="truecolor",
            force_terminal=True,
            legacy_windows=False,
            width=80,
            no_color=False,
            highlight=False,
            emoji=False,
            markup=False,
        )
        self.console.syntax_theme = palette.syntax_theme()  # type: ignore[attr-defined]

    def render(self, markdown: str, width: int) -> list[Strip]:
        """The lines of one block (or a whole document) at `width`, trailing blank lines removed."""
        width = max(1, width)
        options = self.console.options.update(width=width, min_width=width, max_width=width, height=None)
        rendered = self.console.render_lines(BlockMarkdown(markdown), options, pad=False, new_lines=False)
        strips = [Strip(line) for line in rendered]
        while strips and _blank(strips[-1]):
            strips.pop()
        start = 0
        while start < len(strips) and _blank(strips[start]):
            start += 1
        return strips[start:]


def _blank(strip: Strip) -> bool:
    """An empty line with nothing painted on it (a code block's padding has a background)."""
    return not strip.text.strip() and not any(
        segment.style is not None and segment.style.bgcolor is not None for segment in strip
    )
