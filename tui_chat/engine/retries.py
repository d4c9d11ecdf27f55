"""When a failed request is worth sending again, and after how long: the SDK's own rules
(408, 409, 429, 5xx, `x-should-retry`, connection errors and timeouts; Retry-After /
retry-after-ms up to two minutes, else exponential back-off with jitter), applied by the turn
loop itself so the user can be told "rate limited, retrying in N s" instead of silence."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

import openai

_RETRY_STATUSES = {408: "request timeout", 409: "conflict", 429: "rate limited"}
_INITIAL_DELAY, _MAX_DELAY, _MAX_RETRY_AFTER = 0.5, 8.0, 120.0


@dataclass(frozen=True)
class Retry:
    delay: float
    reason: str


def retry_for(exc: BaseException, retries_taken: int, max_retries: int) -> Retry | None:
    """The retry after `exc` (None: give up and report it). `retries_taken` from 0."""
    if retries_taken >= max_retries:
        return None
    if isinstance(exc, openai.APIStatusError):
        headers = exc.response.headers
        should = headers.get("x-should-retry")
        status = exc.status_code
        if should == "false":
            return None
        if should != "true" and status not in _RETRY_STATUSES and status < 500:
            return None
        after = retry_after(headers)
        if after is not None and after > _MAX_RETRY_AFTER:
            return None  # the server asks for longer than anyone waits at a prompt
        reason = _RETRY_STATUSES.get(status, f"server error {status}")
        return Retry(after if after is not None and after > 0 else _backoff(retries_taken), reason)
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError: it is one
        return Retry(_backoff(retries_taken), "no answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return Retry(_backoff(retries_taken), "no connection")
    return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, Retry-After seconds or date."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) else _MAX_RETRY_AFTER + 1
    date = headers.get("retry-after")
    parsed = email.utils.parsedate_tz(date) if date else None
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed)) - time.time()


def _backoff(retries_taken: int) -> float:
    return min(_INITIAL_DELAY * 2.0 ** min(retries_taken, 30), _MAX_DELAY) * (1 - 0.25 * random.random())
