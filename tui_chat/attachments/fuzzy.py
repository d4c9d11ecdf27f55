"""Fuzzy matching for the picker: the query's characters in order (any case), scored so that
runs of consecutive characters, starts of path segments and the file name itself rank first."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable

_SEPARATORS = "/_-. "


def score(query: str, candidate: str) -> int | None:
    """Higher is better; None when the query is not a subsequence of the candidate."""
    if not query:
        return 0
    lowered, query = candidate.lower(), query.lower()
    whole = _greedy(query, lowered, 0)
    if whole is None:
        return None
    base_start = lowered.rfind("/") + 1
    # A match inside the file name alone beats one spread over the directories.
    in_name = _greedy(query, lowered[base_start:], 0)
    best = whole if in_name is None else max(whole, in_name + 2 * len(query))
    return best * 4 - len(candidate) // 8


def _greedy(query: str, text: str, total: int) -> int | None:
    position = -1
    run = 0
    for char in query:
        found = text.find(char, position + 1)
        if found < 0:
            return None
        run = run + 1 if found == position + 1 else 0
        total += 1 + 3 * run
        if found == 0 or text[found - 1] in _SEPARATORS:
            total += 4
        position = found
    return total


Scored = tuple[int, int, str]  # (-score, length, path): sorts best first


def rank(query: str, candidates: Iterable[str], limit: int = 50) -> list[str]:
    """The best `limit` matches, best first (ties: shorter, then alphabetical)."""
    return [candidate for _, _, candidate in best(query, candidates, limit)]


def best(
    query: str,
    candidates: Iterable[str],
    limit: int,
    *,
    keep: list[Scored] | None = None,
    stale: Callable[[], bool] | None = None,
) -> list[Scored]:
    """The best `limit` of `keep` (an earlier result for the same query) and `candidates`.
    Stops early, returning [], once `stale()` says the result is no longer wanted."""
    # A subsequence regex (C speed) drops most candidates before the Python scoring.
    pattern = re.compile(".*?".join(re.escape(c) for c in query), re.IGNORECASE)
    found: list[Scored] = list(keep or [])
    for n, candidate in enumerate(candidates):
        if stale is not None and n % 2000 == 0 and stale():
            return []
        if query and pattern.search(candidate) is None:
            continue
        value = score(query, candidate)
        if value is not None:
            found.append((-value, len(candidate), candidate))
    return heapq.nsmallest(limit, found)
