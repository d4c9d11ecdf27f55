"""The one exception configuration problems raise."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """A configuration problem the user must fix. `str()` is one human line naming the file
    (or other origin), the line when known, and the problem."""

    def __init__(self, problem: str, *, origin: str | Path | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.origin = str(origin) if origin is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.origin is None:
            return self.problem
        where = self.origin if self.line is None else f"{self.origin}, line {self.line}"
        return f"{where}: {self.problem}"
