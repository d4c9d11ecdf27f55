"""Waiting for a condition with a deadline, never a fixed sleep: the one helper every test uses.

`wait_until` polls from async code (pass a pilot's `pause` to let a Textual app run between
polls), `wait_for` is its form for pilot tests, and `poll_until` is the blocking form for
processes, files and terminals.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from textual.pilot import Pilot

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], object],
    what: str = "the condition",
    *,
    timeout: float = 30.0,
    pause: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Return once `condition()` is true; fail the test after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pause(0.01)


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], *, timeout: float = 10.0, what: str = "the condition"
) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    await wait_until(condition, what, timeout=timeout, pause=pilot.pause)


def poll_until(
    condition: Callable[[], T | None],
    what: str = "the condition",
    *,
    timeout: float = 10.0,
    interval: float = 0.05,
) -> T:
    """Block until `condition()` returns something truthy and return it; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
