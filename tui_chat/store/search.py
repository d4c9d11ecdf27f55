"""Full-text search helpers: turning what a user typed into an FTS5 query, and search hits.

Every word the user typed must appear (in any order); the last word also matches as a prefix
while it is still being typed, so a search box can query on every keystroke. Nothing the
user types is interpreted as FTS5 syntax, so no input is a syntax error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Wrapped around each match in `SearchHit.snippet`. Control characters never occur in chat
# text, so they cannot be confused with what the user wrote.
MATCH_START = "\x02"
MATCH_END = "\x03"
ELLIPSIS = "…"


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for a search box's text, or None if there is nothing to find."""
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    still_typing = not text[-1].isspace()
    if still_typing:
        quoted[-1] += "*"
    return " ".join(quoted)


# What FTS5's unicode61 tokenizer takes as a token: runs of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")


def fold(token: str) -> str:
    """A token as the index sees it (remove_diacritics 2): case and accents ignored."""
    token = token.casefold()
    if token.isascii():
        return token
    return "".join(ch for ch in unicodedata.normalize("NFKD", token) if not unicodedata.combining(ch))


@dataclass(frozen=True, slots=True)
class MatchTerms:
    """The folded tokens of what the user typed; `prefix` is the unfinished last one."""

    whole: frozenset[str]
    prefix: str | None

    def matches(self, folded: str) -> bool:
        return folded in self.whole or (self.prefix is not None and folded.startswith(self.prefix))


def match_terms(text: str) -> MatchTerms:
    tokens = [fold(t) for t in _TOKEN.findall(text)]
    still_typing = bool(text) and not text[-1].isspace() and bool(tokens) and bool(_TOKEN.search(text[-1]))
    prefix = tokens.pop() if still_typing else None
    return MatchTerms(frozenset(tokens), prefix)


def snippet(text: str, terms: MatchTerms, tokens: int) -> str:
    """The `tokens`-token window of `text` with the most matches, each wrapped in
    MATCH_START/MATCH_END, with ELLIPSIS where text was left out: what FTS5's snippet() gives,
    made here because snippet() re-reads and re-tokenizes every hit inside SQLite (about a
    millisecond a hit on long replies; most of a search's time)."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    hits = [i for i, (a, b) in enumerate(spans) if terms.matches(fold(text[a:b]))]
    if not spans:
        return text
    start = 0
    if len(spans) > tokens and hits:
        best: tuple[int, int] | None = None  # (distinct terms, matches) in the window
        for first in hits:
            window = [h for h in hits if first <= h < first + tokens]
            key = (len({fold(text[spans[h][0] : spans[h][1]]) for h in window}), len(window))
            if best is None or key > best:
                best = key
                # Centre the matches in the window, as FTS5 does, without running off the end.
                room = tokens - (window[-1] - first + 1)
                start = max(0, min(first - room // 2, len(spans) - tokens))
    end = min(len(spans), start + tokens)
    marked = set(hits)
    out = [ELLIPSIS] if start > 0 else [text[: spans[0][0]]]
    for i in range(start, end):
        a, b = spans[i]
        if i > start:
            out.append(text[spans[i - 1][1] : a])
        out.append(f"{MATCH_START}{text[a:b]}{MATCH_END}" if i in marked else text[a:b])
    out.append(text[spans[end - 1][1] :] if end == len(spans) else ELLIPSIS)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class SearchHit:
    session_id: str
    title: str | None
    updated: float
    archived: bool
    # The matching message; None when the session's title matched.
    message_id: str | None
    role: str | None
    position: int | None
    # The matched text around the match, each match wrapped in MATCH_START/MATCH_END.
    snippet: str
    # The message is on another branch than the one the session shows (its current leaf's):
    # opening the hit shows that branch instead. Filled by `SessionStore.search(branches=True)`;
    # False for title hits and when not asked.
    other_branch: bool = False

    def segments(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is_match) pieces, ready to style."""
        out: list[tuple[str, bool]] = []
        for i, part in enumerate(self.snippet.split(MATCH_START)):
            match, _, rest = part.partition(MATCH_END) if i else ("", "", part)
            if match:
                out.append((match, True))
            if rest:
                out.append((rest, False))
        return out

    def highlighted(self, start: str, end: str) -> str:
        """The snippet with matches wrapped in `start`/`end` (e.g. "**", or ANSI codes)."""
        return "".join(f"{start}{text}{end}" if match else text for text, match in self.segments())

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segments())
