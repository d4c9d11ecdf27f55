"""Config-file writes off the event loop.

Each write reads the file, edits it (tomlkit keeps comments and layout) and replaces it with
an fsync: tens of milliseconds on a slow disk, too long for the event loop. They run here in
one thread, in the order they were asked for (two edits of the same file must not overlap).
Quitting waits for what is queued (`flush`), and the thread is not a daemon, so the
interpreter waits for it too: no write is lost on quit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None


def _writer() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="config-write")
    return _executor


def submit(write: Callable[[], T]) -> Future[T]:
    """Queue `write` (e.g. `lambda: save_setting(...)`); its Future has its result or error."""
    return _writer().submit(write)


async def run(write: Callable[[], T]) -> T:
    """Queue `write` and wait for it without blocking the loop; raises what it raised."""
    return await asyncio.wrap_future(submit(write))


def report_errors(future: Future[Any], report: Callable[[BaseException], None]) -> None:
    """Call `report(error)` on the running loop if `future`'s write fails."""
    loop = asyncio.get_running_loop()

    def done(finished: Future[Any]) -> None:
        error = finished.exception()
        if error is not None:
            loop.call_soon_threadsafe(report, error)

    future.add_done_callback(done)


async def flush() -> None:
    """Wait until every write queued so far is done (quitting)."""
    if _executor is not None:
        await run(lambda: None)
