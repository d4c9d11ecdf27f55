"""Turning tool names, arguments and results into safe, readable text for the screen.

Everything a model or a tool produced is *text*: it is never parsed as Rich/Textual markup, and
control characters are made visible (the sanitisers are all in text.py). Widgets build
`Content` from these helpers and never from a bare `str`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual.content import Content
from textual.highlight import highlight

from tui_chat.ui.widgets.text import ELLIPSIS, visible_literal, visible_text


def pretty_json(raw: str) -> str | None:
    """`raw` pretty-printed if it is valid JSON, else None."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    # ensure_ascii=False keeps non-ASCII readable; json still escapes C0 control characters.
    return json.dumps(value, indent=2, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Shown:
    """Text prepared for display: the Content, how many lines the full text has and whether
    the Content was cut short."""

    content: Content
    lines: int
    truncated: bool
    is_json: bool


def _cut(text: str, max_lines: int | None, max_chars: int) -> tuple[str, int, str]:
    """(kept text, total line count, note about what was cut or "")."""
    total_lines = text.count("\n") + 1 if text else 0
    kept = text
    note = ""
    if max_lines is not None and total_lines > max_lines:
        kept = "\n".join(text.split("\n", max_lines)[:max_lines])
    if len(kept) > max_chars:
        kept = kept[:max_chars]
    if len(kept) < len(text):
        hidden_lines = total_lines - (kept.count("\n") + 1)
        if hidden_lines > 0:
            note = f"{ELLIPSIS} {hidden_lines} more line{'s' if hidden_lines != 1 else ''}"
        else:
            note = f"{ELLIPSIS} {len(text) - len(kept):,} more characters"
    return kept, total_lines, note


def show_text(
    text: str,
    *,
    as_json: bool = True,
    max_lines: int | None = None,
    max_chars: int = 20_000,
    json_containers_only: bool = False,
) -> Shown:
    """Format a complete argument or result string for display.

    Valid JSON is pretty-printed and syntax-highlighted (with `json_containers_only`, only
    objects and arrays: a result that is just `"hello"` or `42` stays as it is). Anything else
    is literal text. The display is cut to `max_lines` / `max_chars` with a muted note.
    """
    pretty = pretty_json(text) if as_json and text.strip() else None
    if pretty is not None and json_containers_only and not pretty.startswith(("{", "[")):
        pretty = None
    source = pretty if pretty is not None else text
    kept, total_lines, note = _cut(source, max_lines, max_chars)
    if pretty is not None:
        content = highlight(visible_text(kept), language="json")
        # highlight() always ends with a newline; drop it so the widget height is exact.
        content = content.rstrip("\n")
    else:
        content = visible_literal(kept)
    if note:
        content = Content.assemble(content, "\n", (note, "$foreground-muted italic"))
    return Shown(content=content, lines=total_lines, truncated=bool(note), is_json=pretty is not None)


def streaming_tail(text: str, *, max_chars: int, max_lines: int) -> Content:
    """The end of a still-growing text, so each refresh costs the same however long it gets."""
    cut = len(text) > max_chars
    tail = text[-max_chars:] if cut else text
    lines = tail.split("\n")
    if len(lines) > max_lines:
        lines = lines[-max_lines:]
        cut = True
    shown = "\n".join(lines)
    if cut:
        return Content.assemble((ELLIPSIS, "$foreground-muted"), visible_literal(shown))
    return visible_literal(shown)


def format_duration(seconds: float | None) -> str:
    """0.23 -> "230ms", 4.56 -> "4.6s", 75 -> "1m15s"."""
    if seconds is None:
        return ""
    if seconds < 0.9995:
        return f"{max(seconds, 0) * 1000:.0f}ms"
    if seconds < 59.95:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"
