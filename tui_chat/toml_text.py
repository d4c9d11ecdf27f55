"""Where things are in a TOML file's text, for messages that point at a line: tomllib reports
positions only inside its error messages, and none for valid values. Shared by the config file
and the theme files."""

from __future__ import annotations

import re

_HEADER = re.compile(r"\s*\[([^\[\]]+)\]\s*(#.*)?$")


def split_toml_position(message: str) -> tuple[str, int | None]:
    """tomllib (3.11) puts the position in the message: "Invalid value (at line 2, column 5)"
    -> ("Invalid value (column 5)", 2)."""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if not match:
        return message, None
    return f"{message[: match.start()]} (column {match.group(2)})", int(match.group(1))


def _dotted(path: str) -> list[str]:
    return [part.strip().strip("\"'") for part in path.split(".")]


def line_of(text: str, table: str | None, key: str) -> int | None:
    """The 1-based line where `key = ...` sits inside `table` (dotted, e.g. "mcp_servers.docs";
    None: top level), if simple enough to find. Headers may be dotted and quoted
    (`[mcp_servers . "docs"]`), and a key may be written dotted from an enclosing table
    (`variables.primary-muted = ...` at the top level)."""
    want = [*_dotted(table), key] if table else [key]
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = _dotted(header.group(1))
            continue
        assignment = re.match(r"\s*([^=#]+?)\s*=", line)
        if assignment and [*current, *_dotted(assignment.group(1))] == want:
            return number
    return None
