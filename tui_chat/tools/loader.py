"""Loading the user's own tools: Python files of @tool functions.

Files come from --tools-file (in the order given), then every *.py in the config dir's
tools/ folder (alphabetically; names starting with "_" or "." are left alone, so helpers
can live there). A file that cannot be imported is reported in one line and skipped; the
others still load. On a name clash the tool registered first wins (built-ins come first),
the later one is skipped and reported.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from tui_chat import paths
from tui_chat.tools.decorator import tool_definition
from tui_chat.tools.registry import ToolRegistry

_MODULE_PREFIX = "tui_chat_user_tools"


def tool_file_paths(tools_files: list[str]) -> list[Path]:
    """The files to load: the explicit ones, then the tools folder, each file once."""
    candidates = [Path(p).expanduser() for p in tools_files]
    folder = paths.user_tools_dir()
    if folder.is_dir():
        candidates += sorted(p for p in folder.glob("*.py") if not p.name.startswith(("_", ".")))
    unique: dict[Path, Path] = {}
    for path in candidates:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def load_user_tools(registry: ToolRegistry, files: list[Path]) -> list[str]:
    """Register the @tool functions of every file; returns one-line problems for the user."""
    problems: list[str] = []
    for path in files:
        functions, problem = load_tools_file(path)
        if problem:
            problems.append(f"Tools file {path}: {problem}")
            continue
        if not functions:
            problems.append(f"Tools file {path}: defines no @tool functions, nothing loaded.")
        for fn in functions:
            definition = tool_definition(fn)
            existing = registry.get(definition.name) if definition else None
            if existing is not None:
                where = "a built-in" if existing.source == "builtin" else f"one from {existing.source}"
                problems.append(f"Tools file {path}: skipped {existing.name!r}, already taken by {where}.")
                continue
            try:
                registry.register(fn, source=str(path))
            except ValueError as exc:
                problems.append(f"Tools file {path}: skipped a tool: {exc}")
    return problems


def load_tools_file(path: Path) -> tuple[list[Callable[..., Any]], str | None]:
    """Import one file; its @tool functions (defined there, not imported), or the reason
    it could not be imported."""
    if not path.is_file():
        return [], "file not found." if not path.exists() else "not a file."
    module_name = f"{_MODULE_PREFIX}_{_identifier(path)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return [], "cannot be imported as a Python module."
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # whatever the user's code does, report it as one line
        del sys.modules[module_name]
        return [], _import_failure(exc, path)
    return _tools_defined_in(module), None


def _tools_defined_in(module: ModuleType) -> list[Callable[..., Any]]:
    found: list[Callable[..., Any]] = []
    for value in vars(module).values():
        defined_here = getattr(value, "__module__", None) == module.__name__
        if defined_here and tool_definition(value) and all(value is not f for f in found):
            found.append(value)
    return found


def _identifier(path: Path) -> str:
    # Unique per path so two files called tools.py in different folders don't collide.
    stem = re.sub(r"\W", "_", path.stem)
    return f"{stem}_{abs(hash(str(path.resolve()))):x}"


def _import_failure(exc: BaseException, path: Path) -> str:
    if isinstance(exc, SyntaxError):
        where = f" on line {exc.lineno}" if exc.lineno else ""
        return f"syntax error{where}: {exc.msg}."
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    line = _line_in(exc, path)
    return f"failed to import ({reason}{f', line {line}' if line else ''})."


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The last line of the user's file that the exception passed through."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path or Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    return line
