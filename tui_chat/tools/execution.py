"""Helpers for running one tool call: sync functions off the loop, result encoding, output cap."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import threading
from collections.abc import Callable
from typing import Any


class ToolError(Exception):
    """Raise from a tool to report a problem to the model in your own words: the message is
    sent as-is, without the exception type in front of it."""


async def run_in_daemon_thread(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    """Like asyncio.to_thread, but on a daemon thread of its own.

    A hung function then costs one idle thread instead of blocking the default executor's
    shutdown (asyncio.run waits for it forever) or the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return  # the caller gave up (timeout or cancellation)
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        try:
            result = context.run(fn, **kwargs)
        except BaseException as exc:  # handed to the awaiting coroutine, which decides
            outcome: tuple[Any, BaseException | None] = (None, exc)
        else:
            outcome = (result, None)
        # RuntimeError: the loop closed while this thread was still working; nobody waits.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    name = f"tool-{getattr(fn, '__name__', 'call')}"
    threading.Thread(target=work, name=name, daemon=True).start()
    return await future


def encode_result(result: Any) -> str:
    """What the model reads: strings as they are, anything else as JSON (str() as last resort)."""
    if isinstance(result, str):
        return result
    if isinstance(result, bytes | bytearray):
        return bytes(result).decode("utf-8", errors="replace")
    try:
        return json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # circular structures and the like
        return str(result)


def cap_output(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes in total, note included, never splitting a
    character; the note says how much was cut so the model can ask for less."""
    data = text.encode("utf-8")
    total = len(data)
    if total <= limit:
        return text
    # Both numbers in the note are at most `total`, so this is the longest the note can be.
    room_for_note = len(_truncation_note(total, total, total).encode("utf-8"))
    kept = data[: max(0, limit - room_for_note)].decode("utf-8", errors="ignore")
    kept_bytes = len(kept.encode("utf-8"))
    return kept + _truncation_note(kept_bytes, total, total - kept_bytes)


def _truncation_note(kept: int, total: int, cut: int) -> str:
    return f"\n[output truncated: showing the first {kept} of {total} bytes; {cut} bytes were cut]"
