"""What we know about a server's quirks, per base URL and model, in one small JSON file.

`tui-chat doctor` writes it after probing a server; the engine reads it before a request so it
can adapt without failing first (skip `stream_options`, ask without streaming when tools are
attached), and records there what it learns by failing. The file lives in the data directory:

    {"version": 1,
     "servers": {"http://127.0.0.1:8080/v1": {"smollm2": {
         "stream_options": false, "usage_reported": false, "done_sent": true,
         "tool_calls": "repeated", "function_call_mirrored": true,
         "parallel_tool_calls": false, "reasoning": null,
         "finish_reasons": ["stop", "tool_calls"], "context_window": 2048, "server": "llama.cpp",
         "checked_at": "2026-12-01T23:40:00Z", "source": "doctor"}}}}

Every field is optional; a missing one means "not known", and the engine then behaves as it
always did. Writes are atomic (a temporary file renamed over the old one) and never raise:
a read-only data directory costs the saved knowledge, never a reply.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from tui_chat import paths

FILE_NAME = "server-quirks.json"
VERSION = 1

# How a server streams tool calls: "standard" = id and name on the first delta of a call, then
# argument fragments by index; "repeated" = id and name again on every delta; "not_streamed" =
# calls arrive only without streaming; "none" = no tool call came back at all.
ToolCallShape = Literal["standard", "repeated", "not_streamed", "none"]
ReasoningField = Literal["reasoning_content", "reasoning", "think_tag"]

# What doctor can tell a server is: Ollama's POST /api/show, llama.cpp's GET /props, LM
# Studio's GET /api/v0/models, vLLM's max_model_len in /v1/models.
SERVER_KINDS = ("ollama", "llama.cpp", "lmstudio", "vllm")
# Servers that run with a fixed context and silently drop the oldest tokens past it instead of
# refusing the request (Ollama's num_ctx): their window is a hard edge worth a warning.
TRUNCATING_SERVERS = frozenset({"ollama"})

# The adaptations the engine makes, as shown to the user ("adapted: no stream_options").
NO_STREAM_OPTIONS = "no stream_options"
TOOLS_WITHOUT_STREAMING = "tools without streaming"


@dataclass
class ServerQuirks:
    stream_options: bool | None = None  # accepted `stream_options={"include_usage": true}`
    usage_reported: bool | None = None
    done_sent: bool | None = None
    tool_calls: ToolCallShape | None = None
    function_call_mirrored: bool | None = None  # each tool-call delta also as legacy function_call
    parallel_tool_calls: bool | None = None
    reasoning: ReasoningField | None = None
    finish_reasons: list[str] = field(default_factory=list)
    context_window: int | None = None
    # What the server is, as doctor told from a route of its own (SERVER_KINDS); None: not
    # known (a server without such a route, or an entry from a doctor before it said).
    server: str | None = None
    checked_at: str | None = None
    source: str | None = None  # "doctor" or "engine"

    @property
    def adaptations(self) -> list[str]:
        """What the engine does differently on this server, in short words for a status bar."""
        active = []
        if self.stream_options is False:
            active.append(NO_STREAM_OPTIONS)
        if self.tool_calls == "not_streamed":
            active.append(TOOLS_WITHOUT_STREAMING)
        return active

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> ServerQuirks:
        """Tolerant: unknown keys are dropped, wrongly typed ones read as unknown."""
        if not isinstance(data, dict):
            return cls()
        quirks = cls()
        for f in fields(cls):
            value = data.get(f.name)
            default = getattr(quirks, f.name)
            if value is None:
                continue
            if isinstance(default, list):
                if isinstance(value, list):
                    setattr(quirks, f.name, [str(v) for v in value])
            elif f.name == "context_window":
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    quirks.context_window = value
            elif isinstance(default, bool) or f.name in _FLAGS:
                if isinstance(value, bool):
                    setattr(quirks, f.name, value)
            elif isinstance(value, str):
                setattr(quirks, f.name, value)
        return quirks


_FLAGS = {"stream_options", "usage_reported", "done_sent", "function_call_mirrored", "parallel_tool_calls"}


def server_key(base_url: str) -> str:
    """The SDK adds a trailing slash to base URLs; the user usually does not."""
    return base_url.rstrip("/")


def quirks_file() -> Path:
    return paths.data_dir() / FILE_NAME


def _read_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    servers = data.get("servers") if isinstance(data, dict) else None
    return servers if isinstance(servers, dict) else {}


def load(base_url: str, model: str, path: Path | None = None) -> ServerQuirks | None:
    """What is known about `model` on the server at `base_url`, or None if nothing is."""
    servers = _read_all(path or quirks_file())
    models = servers.get(server_key(base_url))
    if not isinstance(models, dict) or model not in models:
        return None
    return ServerQuirks.from_json(models[model])


def save(base_url: str, model: str, quirks: ServerQuirks, path: Path | None = None) -> Path | None:
    """Store `quirks` for `model` at `base_url`, keeping every other entry. Atomic; returns the
    file written, or None when it could not be (the caller goes on without it)."""
    target = path or quirks_file()
    servers = _read_all(target)
    models = servers.setdefault(server_key(base_url), {})
    if not isinstance(models, dict):
        models = servers[server_key(base_url)] = {}
    models[model] = quirks.to_json()
    text = json.dumps({"version": VERSION, "servers": servers}, indent=2, sort_keys=True) + "\n"
    try:
        paths.ensure_private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=".quirks-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return None
    return target


def remember(base_url: str, model: str, **changes: Any) -> None:
    """Merge what the engine just learned into the saved entry (e.g. stream_options=False)."""
    quirks = load(base_url, model) or ServerQuirks(source="engine")
    for name, value in changes.items():
        setattr(quirks, name, value)
    save(base_url, model, quirks)
