"""The reply body as cached lines: blocks split where Markdown says, a streamed reply shows the
same lines as the final render, and theme, width, selection and links behave."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Offset
from textual.selection import Selection

from tests.fakeserver import long_markdown
from tui_chat.ui.widgets.markdown_lines import block_starts, split_blocks
from tui_chat.ui.widgets.reply_body import ReplyBody

TRICKY = "\n\n".join(
    [
        "# Title",
        "A paragraph\nwith a soft break and a [link](https://example.com/x).",
        "```python\ndef f():\n\n    return 1\n\n\n# still code\n```",
        "- loose item one\n\n- loose item two\n\n  continued inside item two",
        "1. first\n2. second",
        "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
        "> quoted\n>\n> still quoted",
        "Setext heading\n==============",
        "    indented code\n\n    more indented code",
        "---",
        "Final words.",
    ]
    * 3
)


def shown(body: ReplyBody) -> list[str]:
    return [strip.text.rstrip() for strip in body.lines(body.size.width)]


def on_screen(app: App[None], body: ReplyBody) -> list[str]:
    """The rows the terminal shows for `body` (as far as it is on screen), as plain text: what
    the app has painted, from the lines it keeps drawn, not from the reply's source."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    rows = console.export_text(styles=False).splitlines()
    region = body.region
    return [row[region.x : region.right].rstrip() for row in rows[region.y : region.bottom]]


def test_split_blocks_joins_back_and_never_cuts_inside_a_block() -> None:
    for text in (TRICKY, long_markdown(3000), "one paragraph"):
        pieces = split_blocks(text)
        assert "".join(pieces) == text
        assert all(len(block_starts(piece)) == 1 for piece in pieces)
    fenced = "Para one.\n\n```\ncode\n\nmore code\n"
    assert split_blocks(fenced) == ["Para one.\n\n", "```\ncode\n\nmore code\n"]
    assert split_blocks("") == []


class BodyApp(App[None]):
    def __init__(self, body: ReplyBody) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.body


async def test_a_streamed_reply_shows_the_same_lines_as_the_final_render() -> None:
    text = TRICKY
    body = ReplyBody(None, streaming=True)
    app = BodyApp(body)
    async with app.run_test(size=(100, 40)) as pilot:
        for start in range(0, len(text), 7):  # small fragments, shown one by one
            body.feed(text[start : start + 7])
            await body.flush()
        await pilot.pause()
        streamed = shown(body)
        assert body.sealed_blocks > 20  # finished blocks were sealed (rendered once) on the way
        await body.finish(text)
        await pilot.pause()
        assert body.source == text
        assert shown(body) == streamed
        reference = ReplyBody(text, streaming=False)
        await app.query_one(VerticalScroll).mount(reference)
        await pilot.pause()
        assert shown(reference) == streamed


async def test_the_screen_shows_every_streamed_update_exactly_as_rendered() -> None:
    # Only the lines that changed are repainted on each update, and growing into new headroom
    # keeps the lines already drawn: what the terminal shows must still be the reply's lines,
    # code blocks (and their background) and tables included, at every step and at the end.
    text = TRICKY
    body = ReplyBody(None, streaming=True)
    app = BodyApp(body)
    async with app.run_test(size=(100, 160)) as pilot:
        for start in range(0, len(text), 23):
            body.feed(text[start : start + 23])
            await body.flush()
            await pilot.pause()
            lines = shown(body)
            screen = on_screen(app, body)
            assert len(screen) == body.size.height >= len(lines)  # all of it fits on this screen
            assert screen == lines + [""] * (len(screen) - len(lines))
        code = [i for i, line in enumerate(shown(body)) if "still code" in line]
        assert code
        painted = body.render_lines(body.size.region)[code[0]]
        assert any(segment.style and segment.style.bgcolor for segment in painted)
        streamed = on_screen(app, body)
        await body.finish(text)
        await pilot.pause()
        assert on_screen(app, body) == streamed[: len(on_screen(app, body))]
        assert on_screen(app, body) == shown(body)


async def test_looks_headings_tables_and_code() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    text = f"# Big title\n\n{table}\n\n```python\ndef fib(n):\n    return n\n```\n"
    body = ReplyBody(text, streaming=False)
    app = BodyApp(body)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        lines = body.lines(body.size.width)
        shown = [strip.text.rstrip() for strip in lines]
        assert shown[0] == "Big title"  # left-aligned, not centred
        heading_styles = [segment.style for segment in lines[0] if segment.text.strip()]
        assert heading_styles and all(s is not None and s.bold and not s.underline for s in heading_styles)
        rules = [line for line in shown if line and set(line) <= {"─", " "}]
        assert len(rules) == 1  # a rule under the header only, none between rows
        code = next(strip for strip in lines if "fib" in strip.text)
        for segment in code:
            if segment.text.strip():
                assert segment.style is not None and not segment.style.underline


async def test_a_theme_change_renders_the_lines_again_in_its_colours() -> None:
    body = ReplyBody("# Title\n\nSome `code`.", streaming=False)
    app = BodyApp(body)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        before = body.lines(body.size.width)[0]
        app.theme = "textual-light"
        await pilot.pause()
        after = body.lines(body.size.width)[0]
        assert after.text == before.text
        colour = [s.style.color for s in before if s.text.strip() and s.style]
        new_colour = [s.style.color for s in after if s.text.strip() and s.style]
        assert colour != new_colour


async def test_a_resize_wraps_the_lines_to_the_new_width() -> None:
    text = long_markdown(400)
    body = ReplyBody(text, streaming=False)
    app = BodyApp(body)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        wide = len(shown(body))
        await pilot.resize_terminal(50, 30)
        await pilot.pause()
        assert body.size.width < 50
        assert len(shown(body)) > wide
        assert body.outer_size.height == len(shown(body))
        assert all(len(line) <= body.size.width for line in shown(body))


async def test_selected_text_is_the_text_on_screen() -> None:
    body = ReplyBody("First paragraph here.\n\nSecond one.", streaming=False)
    app = BodyApp(body)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        selection = Selection(Offset(6, 0), Offset(6, 2))
        text, _ = body.get_selection(selection) or ("", "")
        assert text == "paragraph here.\n\nSecond"
        app.screen.selections = {body: selection}
        await pilot.pause()
        assert app.screen.get_selected_text() == "paragraph here.\n\nSecond"


async def test_clicking_a_link_opens_it() -> None:
    opened: list[str] = []

    class LinkApp(BodyApp):
        def open_url(self, url: str, *, new_tab: bool = True) -> None:
            opened.append(url)

    body = ReplyBody("See [the docs](https://example.com/docs) now.", streaming=False)
    app = LinkApp(body)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        column = shown(body)[0].index("the docs")
        await pilot.click(ReplyBody, offset=(column + 2, 0))
        assert opened == ["https://example.com/docs"]
