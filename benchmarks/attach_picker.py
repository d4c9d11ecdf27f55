"""The `@` picker in a 100,000-file tree (issue 12: "first results while it still scans, in a
thread"; the UI must stay responsive).

Builds a throwaway tree (empty files, 100 directories of 1,000, plus a .gitignore that hides
one directory), then prints, medians of --runs:

- scanner alone (`walk_files`, no UI): time to the first batch and to the whole list;
- the app (120x40, run_test, working directory = the tree, 3 s after start-up so its own
  background work is over): from typing `@` to the first
  names in the picker, and to the picker showing the finished scan; while that runs, the
  event loop's worst stall (a 10 ms ticker's largest overshoot: how long a key could wait) and
  the worst `pilot.press` round trip for the keys of `modf` typed 50 ms apart after `@` (Pilot
  waits for the app to settle, so this is an upper bound on a key's echo);
- ranking the whole list for a 4-letter query (`fuzzy.rank`), the cost of one refresh.

    python benchmarks/attach_picker.py [--files 100000] [--runs 3]

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_chat.attachments.fuzzy import rank  # noqa: E402
from tui_chat.attachments.scanner import walk_files  # noqa: E402
from tui_chat.config import Settings  # noqa: E402
from tui_chat.ui.app import ChatApp  # noqa: E402
from tui_chat.ui.widgets.attachment_tray import AttachmentTray  # noqa: E402

QUERY = "modf"  # typed after `@`, one key every 50 ms, while the scan runs


def build_tree(root: Path, files: int) -> None:
    per_dir = 1000
    for d in range(max(1, files // per_dir)):
        directory = root / f"pkg{d:03d}" / "module"
        directory.mkdir(parents=True)
        for f in range(per_dir):
            (directory / f"file_{f:04d}.py").touch()
    (root / ".gitignore").write_text("pkg000/\n")


def scan_alone(root: Path) -> tuple[float, float, int]:
    start = time.perf_counter()
    first = None
    count = 0
    for batch in walk_files(root):
        if first is None:
            first = time.perf_counter() - start
        count += len(batch)
    return first or 0.0, time.perf_counter() - start, count


async def in_app(root: Path) -> dict[str, float]:
    app = ChatApp(Settings(model="m"), freeze_gc=False)
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        tray = app.query_one(AttachmentTray)
        worst_stall = 0.0
        ticking = True

        async def ticker() -> None:
            nonlocal worst_stall
            while ticking:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                worst_stall = max(worst_stall, time.perf_counter() - before - 0.01)

        # Start-up work (the SDK import thread, theme variables) is not the picker's: let it end.
        await asyncio.sleep(3.0)
        tick = asyncio.create_task(ticker())
        app.prompt.focus()
        start = time.perf_counter()
        # Typed straight into the prompt: `pilot.press` waits for the app to settle, which
        # would time the scan, not the picker.
        app.prompt.insert("@")
        echoes: list[float] = []
        typed = 0
        while tray.picker.option_count == 0:
            await asyncio.sleep(0.005)
        figures["first results"] = time.perf_counter() - start
        while not tray._complete:  # the picker shows the finished scan
            if typed < len(QUERY):
                pressed = time.perf_counter()
                await pilot.press(QUERY[typed])
                typed += 1
                echoes.append(time.perf_counter() - pressed)
            await asyncio.sleep(0.05)
        figures["full list shown"] = time.perf_counter() - start
        ticking = False
        await tick
        figures["worst loop stall"] = worst_stall
        figures["worst pilot.press"] = max(echoes, default=0.0)
        figures["files"] = len(tray._scan.files) if tray._scan else 0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        began = time.perf_counter()
        build_tree(root, args.files)
        print(f"tree: {args.files:,} files built in {time.perf_counter() - began:.1f} s (pkg000/ ignored)")
        scans = [scan_alone(root) for _ in range(args.runs)]
        first = statistics.median(s[0] for s in scans)
        full = statistics.median(s[1] for s in scans)
        print(f"scanner alone: first batch {first * 1000:.1f} ms, all {scans[0][2]:,} files {full:.2f} s")
        files = [path for batch in walk_files(root) for path in batch]
        began = time.perf_counter()
        rank("modf", files)
        print(f"rank('modf') over {len(files):,} paths: {time.perf_counter() - began:.2f} s")
        os.chdir(root)
        runs = [asyncio.run(in_app(root)) for _ in range(args.runs)]
        for key in ("first results", "full list shown", "worst loop stall", "worst pilot.press"):
            values = [r[key] for r in runs]
            print(
                f"app: {key}: median {statistics.median(values) * 1000:.0f} ms "
                f"(runs: {', '.join(f'{v * 1000:.0f}' for v in values)})"
            )
        print(f"app: files listed {int(runs[0]['files']):,}")


if __name__ == "__main__":
    main()
