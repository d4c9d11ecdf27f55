"""The chunked reply body: splitting at top-level blocks, and streaming into chunks renders the
same document as one Markdown widget would."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from tests.fakeserver import long_markdown
from tui_chat.ui.widgets.reply_body import (
    CHUNK_BLOCKS,
    ReplyBody,
    block_starts,
    split_chunks,
    split_last_block,
)

TRICKY = "\n\n".join(
    [
        "# Title",
        "A paragraph\nwith a soft break.",
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
    * 4
)


def test_split_chunks_joins_back_and_respects_the_block_limit() -> None:
    for text in (TRICKY, long_markdown(3000), "", "one paragraph"):
        pieces = split_chunks(text, 5)
        assert "".join(pieces) == text
        assert all(len(block_starts(piece)) <= 5 for piece in pieces)


def test_split_last_block_never_cuts_inside_a_block() -> None:
    head, tail = split_last_block("Para one.\n\n```\ncode\n\nmore code\n")
    assert head == "Para one.\n\n" and tail == "```\ncode\n\nmore code\n"
    assert split_last_block("only one block\n") == ("", "only one block\n")


class BodyApp(App[None]):
    def __init__(self, body: ReplyBody) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.body
            yield Markdown(id="reference")


def block_kinds(markdown: Markdown) -> list[str]:
    return [type(block).__name__ for block in markdown.children]


async def test_streaming_into_chunks_renders_like_one_document() -> None:
    text = TRICKY
    body = ReplyBody(None, streaming=True)
    app = BodyApp(body)
    async with app.run_test(size=(100, 40)) as pilot:
        for start in range(0, len(text), 7):  # small fragments, flushed one by one
            body.feed(text[start : start + 7])
            await body.flush()
        await body.finish(text)
        await pilot.pause()
        assert body.source == text
        assert len(body.chunks) > 1
        for chunk in body.chunks:
            assert chunk.source.count("```") % 2 == 0  # no chunk boundary inside a fence
            assert len(block_starts(chunk.source)) <= 2 * CHUNK_BLOCKS  # about the limit
        reference = app.query_one("#reference", Markdown)
        await reference.update(text)
        streamed = [kind for chunk in body.chunks for kind in block_kinds(chunk.markdown)]
        assert streamed == block_kinds(reference)


async def test_dehydrated_chunks_keep_their_height() -> None:
    text = long_markdown(2000)
    body = ReplyBody(text, streaming=False)
    app = BodyApp(body)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        first = body.chunks[0]
        height = first.outer_size.height
        assert first.dehydrate()
        await pilot.pause()
        assert not first.markdown.display and first.outer_size.height == height
        assert first.hydrate()
        await pilot.pause()
        assert first.markdown.display and first.outer_size.height == height
