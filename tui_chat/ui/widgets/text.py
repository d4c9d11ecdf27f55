"""Model output and tool output are text, never markup or terminal control.

Everything a model or a tool produced goes through `clean()` before it reaches a widget: ANSI
escape sequences and other control characters become visible symbols (ESC shows as ␛), so
"\\x1b[31m" reads literally instead of recolouring the terminal. Rich/Textual markup needs no
escaping as long as text reaches widgets as `Content` (never parsed as markup); `literal()`
builds that.

Tool output shown in cards and dialogs uses the stricter `visible_text` / `visible_literal`
(a lone CR shown, tabs as spaces) and `first_line`; the log's text uses `clean` / `literal` and
`one_line` (the whole text squeezed onto one line).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from textual.content import Content

# C0 controls except tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\r":
        return ""  # CRLF -> LF; a lone CR would move the cursor back over the line
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ for ESC, ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"


def clean(text: str | None) -> str:
    """`text` with every control character except tab and newline made visible (or dropped,
    for CR). Safe to call on stream fragments one at a time: it works per character."""
    if not text:
        return ""
    return _CONTROL.sub(_visible, text)


def literal(text: str | None, style: str = "") -> Content:
    """Text shown exactly as written: cleaned, and as Content so no markup is interpreted."""
    return Content.styled(clean(text), style) if style else Content(clean(text))


def one_line(text: str | None, limit: int) -> str:
    """`text` squeezed onto one line and cut to `limit` characters with an ellipsis."""
    flat = " ".join(clean(text).split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)] + "…"


# C0 controls (except newline) become their Unicode "control picture" (ESC -> ␛), DEL -> ␡,
# C1 controls become a visible \x.. escape. Tabs become spaces so widths stay predictable.
_VISIBLE_CONTROLS: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20) if code not in (9, 10)}
_VISIBLE_CONTROLS[9] = "    "
_VISIBLE_CONTROLS[0x7F] = "\u2421"
_VISIBLE_CONTROLS.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})

ELLIPSIS = "…"


def visible_text(text: str) -> str:
    """Tool output style: every control character shown as a visible stand-in, a lone CR
    included (newlines kept; tabs become four spaces so widths stay predictable)."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_VISIBLE_CONTROLS)


def visible_literal(text: str, style: str = "") -> Content:
    """`text` as literal Content, tool output style: `visible_text`, no markup parsing."""
    content = Content(visible_text(text))
    return content.stylize(style) if style else content


def first_line(text: str, limit: int = 200) -> str:
    """The first non-blank line of `text`, stripped and cut to `limit` characters."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1] + ELLIPSIS
    return ""


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced or indented code block in `markdown`, in order."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [
        (token.info.strip().split(" ")[0] if token.info else "", token.content)
        for token in tokens
        if token.type in ("fence", "code_block")
    ]
