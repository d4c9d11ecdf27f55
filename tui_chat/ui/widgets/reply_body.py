"""The Markdown body of one reply, streamed with bounded render work.

Pipeline while a reply streams:

    feed(text)    -> pending buffer (cheap, per token)
    timer tick    -> at most one MarkdownStream.write() of everything pending per gate interval
                     (the time gate: 50 ms, stretched when rendering gets expensive)
    finish()      -> stop the stream, then render the live chunk once in full with update() so a
                     half-streamed code fence or table settles

Why chunks: Textual lays out every mounted widget of the screen on each layout refresh, so one
Markdown widget holding a long reply (hundreds of blocks, thousands of widgets) makes every
append slower than the last. The body is therefore a column of `MarkdownChunk`s, each one
`Markdown` widget of at most `CHUNK_BLOCKS` top-level blocks. Only the last chunk is streamed
into; when it grows past the limit, everything before its last (still growing) top-level block is
sealed and a new chunk continues. Chunks far outside the log's viewport are "dehydrated": their
Markdown is hidden (display: none, so layout skips its whole subtree) and the chunk keeps its
height, so the scrollbar and positions do not move. The log hydrates them again as they scroll
near the viewport.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

FLUSH_INTERVAL = 0.05
"""Shortest time between two Markdown appends while a reply streams (the time gate)."""

MAX_INTERVAL = 0.25
"""The gate never waits longer than this between appends."""

TARGET_LOAD = 0.6
"""While a reply streams, the gate stretches (up to MAX_INTERVAL) when the process uses more
than this share of one CPU, and shrinks back (down to FLUSH_INTERVAL) when it uses much less.
Layout and repaint cost depend on the terminal size, the document and the machine; measuring
the CPU actually used bounds the render work whatever they are."""


class RenderGovernor:
    """Adapts the time gate to the CPU the process really uses (shared by all replies: the
    machine and the terminal do not change between them)."""

    WINDOW = 0.25  # seconds of measurement per adjustment
    STEP = 1.25

    def __init__(self) -> None:
        self.interval = FLUSH_INTERVAL
        self._mark: tuple[float, float] | None = None

    def reset_window(self) -> None:
        self._mark = None

    def tick(self) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if self._mark is None:
            self._mark = (now, cpu)
            return
        wall = now - self._mark[0]
        if wall < self.WINDOW:
            return
        load = (cpu - self._mark[1]) / wall
        if load > TARGET_LOAD:
            self.interval = min(MAX_INTERVAL, self.interval * self.STEP)
        elif load < TARGET_LOAD * 0.6:
            self.interval = max(FLUSH_INTERVAL, self.interval / self.STEP)
        self._mark = (now, cpu)


GOVERNOR = RenderGovernor()

CHUNK_BLOCKS = 16
"""Top-level Markdown blocks per chunk."""

_parser: MarkdownIt | None = None


def _markdown_parser() -> MarkdownIt:
    global _parser
    if _parser is None:
        _parser = MarkdownIt("gfm-like")  # what Textual's Markdown widget uses
    return _parser


def block_starts(markdown: str) -> list[int]:
    """The first line of every top-level block of `markdown`, in order."""
    return [
        token.map[0]
        for token in _markdown_parser().parse(markdown)
        if token.level == 0 and token.map is not None and token.nesting >= 0
    ]


def split_chunks(markdown: str, max_blocks: int = CHUNK_BLOCKS) -> list[str]:
    """`markdown` cut at top-level block boundaries into pieces of at most `max_blocks` blocks.
    The pieces join back to exactly `markdown`."""
    if markdown.count("\n") < max_blocks:
        # Fewer lines than `max_blocks`, so fewer blocks: one chunk, without parsing the text
        # here (the Markdown widget parses it anyway).
        return [markdown]
    starts = block_starts(markdown)
    if len(starts) <= max_blocks:
        return [markdown]
    lines = markdown.splitlines(keepends=True)
    cuts = [starts[i] for i in range(max_blocks, len(starts), max_blocks)]
    pieces: list[str] = []
    previous = 0
    for cut in cuts:
        pieces.append("".join(lines[previous:cut]))
        previous = cut
    pieces.append("".join(lines[previous:]))
    return [piece for piece in pieces if piece] or [markdown]


def split_last_block(markdown: str) -> tuple[str, str]:
    """(everything before the last top-level block, the last block). The last block may still
    grow while streaming; everything before it is final."""
    starts = block_starts(markdown)
    if len(starts) < 2:
        return "", markdown
    lines = markdown.splitlines(keepends=True)
    last = starts[-1]
    return "".join(lines[:last]), "".join(lines[last:])


class ReplyMarkdown(Markdown):
    """One chunk's Markdown. Counts appends (for the benchmark), measures what an append and
    the repaint after it cost (for the time gate), and says when its initial render is done."""

    appends: ClassVar[int] = 0

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(markdown, open_links=False)
        self.ready = asyncio.Event()

    def on_mount(self) -> None:
        # Runs after Markdown._on_mount rendered the initial document.
        self.ready.set()

    def append(self, markdown: str) -> AwaitComplete:
        ReplyMarkdown.appends += 1
        return super().append(markdown)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        # Links from a model are untrusted: shown, and opened only on an explicit click.
        self.app.open_url(event.href)


class MarkdownChunk(Vertical):
    """A run of top-level blocks of a reply; can be dehydrated while far out of view."""

    DEFAULT_CSS = """
    MarkdownChunk {
        height: auto;
    }
    """

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(classes="markdown-chunk")
        self.markdown = ReplyMarkdown(markdown)
        self.hydrated = True

    def compose(self) -> ComposeResult:
        yield self.markdown

    @property
    def source(self) -> str:
        return self.markdown.source

    def dehydrate(self) -> bool:
        """Hide the Markdown subtree from layout, keeping this chunk's height."""
        if not self.hydrated or not self.markdown.ready.is_set():
            return False
        height = self.outer_size.height
        if height <= 0:
            return False
        self.styles.height = height
        self.markdown.display = False
        self.hydrated = False
        return True

    def hydrate(self) -> bool:
        if self.hydrated:
            return False
        self.markdown.display = True
        self.styles.height = "auto"
        self.hydrated = True
        return True


class ReplyBody(Vertical):
    """The chunks of one reply, and the streaming pipeline that fills them."""

    class ChunkSealed(Message):
        """A chunk was sealed while streaming: the log may dehydrate what scrolled far away."""

    DEFAULT_CSS = """
    ReplyBody {
        height: auto;
    }
    """

    def __init__(self, text: str | None, *, streaming: bool) -> None:
        super().__init__(classes="reply-body")
        pieces = split_chunks(text) if text else [""]
        if streaming:
            pieces = [text or ""]
        self.chunks = [MarkdownChunk(piece if not streaming else None) for piece in pieces]
        self._streaming = streaming
        self._pending: list[str] = []
        self._stream: MarkdownStream | None = None
        self._timer: Timer | None = None
        self._lock = asyncio.Lock()
        self._last_flush = 0.0
        self._live_text = ""  # everything written to the live chunk's stream
        self.display = bool(text)

    def compose(self) -> ComposeResult:
        yield from self.chunks

    def on_mount(self) -> None:
        if self._streaming:
            GOVERNOR.reset_window()
            self._timer = self.set_interval(FLUSH_INTERVAL, self._flush, name="markdown-flush")

    @property
    def live(self) -> MarkdownChunk:
        return self.chunks[-1]

    @property
    def source(self) -> str:
        """The Markdown source shown (all chunks; pending text not yet flushed excluded)."""
        return "".join(chunk.source for chunk in self.chunks)

    # --- streaming ----------------------------------------------------------------------------

    def feed(self, text: str) -> None:
        self._pending.append(text)

    async def flush(self) -> None:
        """Render everything fed so far now, bypassing the time gate (tests, benchmarks)."""
        async with self._lock:
            await self._write()

    async def _flush(self) -> None:
        GOVERNOR.tick()
        if not self._pending or self._lock.locked():
            return
        if time.perf_counter() - self._last_flush < GOVERNOR.interval:
            return
        async with self._lock:
            await self._write()

    async def _write(self) -> None:
        live = self.live
        await live.markdown.ready.wait()
        fragment = "".join(self._pending)
        self._pending.clear()
        if not fragment:
            return
        self.display = True
        if self._stream is None:
            self._stream = Markdown.get_stream(live.markdown)
        self._last_flush = time.perf_counter()
        if len(live.markdown.children) >= CHUNK_BLOCKS:
            # Seal when a new top-level block begins in this fragment: everything before it is
            # final, so the live chunk is closed exactly there, with nothing to re-render.
            combined = self._live_text + fragment
            head, tail = split_last_block(combined)
            if head and len(head) >= len(self._live_text):
                await self._seal(head[len(self._live_text) :], tail)
                return
        await self._stream.write(fragment)
        self._live_text += fragment

    async def _seal(self, rest_of_live: str, tail: str) -> None:
        """Finish the live chunk with `rest_of_live`; `tail` (the new last block and whatever
        follows it) starts a new chunk."""
        assert self._stream is not None
        if rest_of_live:
            await self._stream.write(rest_of_live)
        await self._stream.stop()
        chunk = MarkdownChunk(None)
        self.chunks.append(chunk)
        await self.mount(chunk)
        await chunk.markdown.ready.wait()
        self._stream = Markdown.get_stream(chunk.markdown)
        self._live_text = tail
        if tail:
            await self._stream.write(tail)
        self.post_message(self.ChunkSealed())

    async def finish(self, text: str) -> None:
        """Stop streaming and render the final `text` (the whole reply) once in full."""
        async with self._lock:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self._streaming = False
            self._pending.clear()
            if self._stream is not None:
                await self._stream.stop()
                self._stream = None
            live = self.live
            await live.markdown.ready.wait()
            sealed = "".join(chunk.source for chunk in self.chunks[:-1])
            if text.startswith(sealed):
                rest = text[len(sealed) :]
                pieces = split_chunks(rest) if rest else [""]
                await live.markdown.update(pieces[0])
                for piece in pieces[1:]:
                    chunk = MarkdownChunk(piece)
                    self.chunks.append(chunk)
                    await self.mount(chunk)
            else:  # the text changed under us (should not happen): render it all again
                await self.remove_children()
                self.chunks = [MarkdownChunk(piece) for piece in split_chunks(text)]
                await self.mount_all(self.chunks)
            self.display = bool(text)
