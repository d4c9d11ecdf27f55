"""When the chat log hands its queued events over to its own task (one `ChatLog.TurnEvents`).

Most events are handed over at once. Streamed text is not worth a message per token: at 200
tokens a second that was 200 Textual messages a second, about a tenth of the UI's CPU, while
a reply shows its text at most every `reply_body.FLUSH_INTERVAL` (0.1 s) anyway. A text delta
therefore waits up to `DELTA_DELAY` for company; any other event (the turn's end, a tool call,
a new message) hands over everything queued at once, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

DELTA_DELAY = 0.03
"""Seconds a streamed delta may wait before the log gets it (well under the reply's 0.1 s gate)."""


class Handover:
    """At most one pending handover: `post` is called once until `done` (the log took the queue)."""

    def __init__(self, post: Callable[[], object]) -> None:
        self._post = post
        self._posted = False
        self._timer: asyncio.TimerHandle | None = None

    def request(self, *, delta: bool) -> None:
        """Something was queued; a `delta` (streamed text) may wait a little for more."""
        if self._posted or (delta and self._timer is not None):
            return
        if delta:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not on the event loop: no waiting
                pass
            else:
                self._timer = loop.call_later(DELTA_DELAY, self.now)
                return
        self.now()

    def now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._posted:
            self._posted = True
            self._post()

    def done(self) -> None:
        """The queue was taken: the next event asks for a new handover."""
        self._posted = False
