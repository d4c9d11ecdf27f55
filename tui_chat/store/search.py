"""Full-text search helpers: turning what a user typed into an FTS5 query, and search hits.

Every word the user typed must appear (in any order); the last word also matches as a prefix
while it is still being typed, so a search box can query on every keystroke. Nothing the
user types is interpreted as FTS5 syntax, so no input is a syntax error.
"""

from __future__ import annotations

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
