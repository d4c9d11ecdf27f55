"""Stream a long Markdown reply from the loopback server into the real app and print figures.

    python benchmarks/stream_render.py [--tokens 8000] [--tps 200] [--width 120 --height 40]

The server runs in a subprocess (its CPU is not counted); the app runs headless in this process
(`App.run_test`), through the real SDK, engine, worker, log and Markdown widgets. Printed:

- server stream: time from the first to the last token, as the client received them
- lag at end: from the last token's arrival until the reply's Markdown holds all of it
  (appended and mounted), then until the final full render settled
- CPU: process CPU seconds while streaming (all threads of this process)
- max loop stall: the longest the event loop was blocked (key responsiveness proxy), and the
  95th percentile; a key press waits at most about this long
- Markdown appends: how many times the reply's document was appended to
- follow: share of samples in which the log showed its bottom (it must follow the stream)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loopback_server import start_server  # noqa: E402

from tui_chat.config import Settings  # noqa: E402
from tui_chat.engine.events import ChatEvent, TextDelta, TurnEnded  # noqa: E402
from tui_chat.ui.app import ChatApp  # noqa: E402
from tui_chat.ui.widgets.messages import AssistantMessage  # noqa: E402
from tui_chat.ui.widgets.reply_body import ReplyBody  # noqa: E402


class Timing:
    def __init__(self) -> None:
        self.first: float | None = None
        self.last: float | None = None
        self.ended: float | None = None
        self.deltas = 0

    def handle_event(self, event: ChatEvent) -> None:
        now = time.perf_counter()
        if isinstance(event, TextDelta):
            self.deltas += 1
            if self.first is None:
                self.first = now
            self.last = now
        elif isinstance(event, TurnEnded):
            self.ended = now


async def run(args: argparse.Namespace) -> dict[str, Any]:
    proc, url = start_server(args.tps)
    try:
        settings = Settings(base_url=url, api_key="bench", model="fake-model", timeout=60.0, max_retries=0)
        app = ChatApp(settings, freeze_gc=not args.no_gc_freeze)
        timing = Timing()
        app.controller.subscribe(timing.handle_event)
        stalls: list[float] = []
        follow: list[bool] = []
        cpu_marks: list[tuple[float, float]] = []  # (wall, cpu) while tokens arrive
        async with app.run_test(size=(args.width, args.height)) as pilot:
            await pilot.pause()
            if not args.no_gc_freeze:
                import gc

                gc.freeze()
            loop = asyncio.get_running_loop()
            sampling = True

            async def sample() -> None:
                interval = 0.005
                while sampling:
                    before = loop.time()
                    await asyncio.sleep(interval)
                    stalls.append(loop.time() - before - interval)
                    log = app.chat_log
                    if timing.first is not None and timing.ended is None:
                        follow.append(log.scroll_y >= log.max_scroll_y - 1)
                        now = time.perf_counter()
                        if not cpu_marks or now - cpu_marks[-1][0] >= 0.25:
                            cpu_marks.append((now, time.process_time()))

            sampler = asyncio.create_task(sample())
            updates_before = ReplyBody.updates
            cpu_before = time.process_time()
            wall_before = time.perf_counter()
            app.send(f"long {args.tokens} at {args.tps}")
            # Wait for the last token, then for the document to hold it.
            while timing.ended is None:
                await asyncio.sleep(0.005)
            reply = app.chat_log.query(AssistantMessage).last()
            full = reply.message.content or ""
            while reply.markdown_source != full:
                await asyncio.sleep(0.001)
                if time.perf_counter() - wall_before > args.tokens / args.tps * 4 + 60:
                    break
            shown = time.perf_counter()
            await reply.wait_finished()
            await pilot.pause()
            settled = time.perf_counter()
            cpu = time.process_time() - cpu_before
            sampling = False
            await sampler
            mapped = len(app.screen._compositor._full_map)
            assert timing.first is not None and timing.last is not None
            ordered = sorted(stalls)
            quarters: list[float] = []
            if len(cpu_marks) >= 8:
                step = (len(cpu_marks) - 1) / 4
                for q in range(4):
                    a, b = cpu_marks[round(q * step)], cpu_marks[round((q + 1) * step)]
                    quarters.append((b[1] - a[1]) / (b[0] - a[0]))
            return {
                "tokens": args.tokens,
                "tps": args.tps,
                "deltas": timing.deltas,
                "characters": len(full),
                "stream_seconds": timing.last - timing.first,
                "lag_at_end": shown - timing.last,
                "settle_after_last": settled - timing.last,
                "cpu_seconds": cpu,
                "max_stall": ordered[-1] if ordered else 0.0,
                "p95_stall": ordered[int(len(ordered) * 0.95)] if ordered else 0.0,
                "median_stall": statistics.median(ordered) if ordered else 0.0,
                "updates": ReplyBody.updates - updates_before,
                "follow": sum(follow) / len(follow) if follow else 0.0,
                "source_matches": reply.markdown_source == full,
                "blocks": reply.body.sealed_blocks,
                "widgets_laid_out": mapped,
                "cpu_by_quarter": quarters,
            }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tokens", type=int, default=8000)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--width", type=int, default=120)
    parser.add_argument("--height", type=int, default=40)
    parser.add_argument("--no-gc-freeze", action="store_true", help="leave the GC as it is")
    parser.add_argument("--gate", type=float, metavar="SECONDS", help="another time gate (default 0.1 s)")
    args = parser.parse_args()
    from tui_chat.ui.widgets import reply_body

    if args.gate is not None:
        reply_body.FLUSH_INTERVAL = args.gate
    r = asyncio.run(run(args))
    print(
        f"reply: {r['tokens']} tokens asked at {r['tps']:g} tok/s: "
        f"{r['deltas']} deltas, {r['characters']} chars"
    )
    print(f"server stream (first to last token):   {r['stream_seconds']:7.2f} s")
    print(f"lag at end (last token -> on screen):  {r['lag_at_end']:7.3f} s")
    print(f"final full render settled after:       {r['settle_after_last']:7.3f} s")
    print(f"process CPU while streaming:           {r['cpu_seconds']:7.2f} s")
    print(
        f"event-loop stall max / p95 / median:   {r['max_stall'] * 1000:7.1f} / "
        f"{r['p95_stall'] * 1000:.1f} / {r['median_stall'] * 1000:.1f} ms"
    )
    print(f"reply updates shown:                   {r['updates']:7d}")
    print(f"log followed the stream:               {r['follow'] * 100:6.1f} % of samples")
    print(f"final Markdown source equals reply:    {r['source_matches']}")
    print(f"top-level blocks in the reply:         {r['blocks']:7d}")
    print(f"widgets in the layout at the end:      {r['widgets_laid_out']}")
    quarters = " / ".join(f"{q * 100:.0f}%" for q in r["cpu_by_quarter"])
    print(f"CPU use per quarter of the stream:     {quarters}  (flat = bounded as the reply grows)")


if __name__ == "__main__":
    main()
