"""A loopback OpenAI-compatible server: `tui-chat demo-server` (try the app without a key), the
tests (through tests/fakeserver.py) and the benchmarks.

Real HTTP on 127.0.0.1 (random port, background thread), real SSE with chunked transfer
encoding so an abrupt drop is distinguishable from a clean end. Tests queue replies with
`FakeServer.script(...)`; when the queue is empty a deterministic demo bot answers.

    tui-chat demo-server --port 8765 [--tps 200] [--log-streams]
    python -m tests.fakeserver ...     (the same)

serves the demo bot until killed. It prints its base URL as the first line of stdout; with
`--log-streams`, one more line per finished streamed reply, `stream {json}`, with the
`time.monotonic()` (system-wide on Linux) of the first and last text-bearing chunk sent.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Nothing the server does may outlive this, so a buggy test can never hang the run.
MAX_STALL_SECONDS = 120.0
_POLL = 0.02


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    body: bytes = b""
    # Set when the client went away before the response was fully sent.
    disconnected: bool = False
    # time.monotonic() when the first / last chunk carrying text content was written, and how
    # many such chunks were written (streamed replies only).
    first_text_at: float | None = None
    last_text_at: float | None = None
    text_chunks: int = 0
    # Set when the server has finished handling this request (sent, dropped or abandoned).
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait_finished(self, timeout: float = 5.0) -> bool:
        return self.finished.wait(timeout)


@dataclass
class Reply:
    """One scripted response. Build it with the helpers below rather than directly."""

    # SSE data payloads (dict -> JSON, str -> verbatim), or a function of the request making them.
    events: list[dict[str, Any] | str] | Callable[[RecordedRequest], Iterable[dict[str, Any] | str]] = field(
        default_factory=list
    )
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    done: bool = True
    drop_after: int | None = None
    stall_after: int | None = None
    # A plain JSON body instead of a stream (errors, servers that ignore stream=true).
    body: dict[str, Any] | None = None


# --- chunk builders -------------------------------------------------------------------------


def chunk(
    content: str | None = None,
    *,
    tool_calls: list[Any] | None = None,
    finish_reason: str | None = None,
    role: str | None = None,
    function_call: dict[str, Any] | None = None,
    model: str = "fake-model",
    reasoning_content: str | None = None,
    reasoning: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A chat.completion.chunk dict with one choice. Extra keys go on the top level (e.g. usage).
    `reasoning_content` (vLLM/DeepSeek) and `reasoning` (Ollama/OpenRouter) go into the delta."""
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if reasoning_content is not None:
        delta["reasoning_content"] = reasoning_content
    if reasoning is not None:
        delta["reasoning"] = reasoning
    if content is not None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    if function_call is not None:
        delta["function_call"] = function_call
    out: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    out.update(extra)
    return out


def usage_chunk(
    prompt_tokens: int = 10, completion_tokens: int = 10, model: str = "fake-model"
) -> dict[str, Any]:
    """The trailing chunk `stream_options.include_usage` asks for: empty choices, usage set."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _wants_usage(req: RecordedRequest) -> bool:
    body = req.json if isinstance(req.json, dict) else {}
    opts = body.get("stream_options")
    return isinstance(opts, dict) and bool(opts.get("include_usage"))


def _split(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _text_events(
    req: RecordedRequest,
    text: str,
    chunk_chars: int,
    finish_reason: str | None,
    usage: dict[str, Any] | None,
    model: str,
) -> list[dict[str, Any] | str]:
    pieces = _split(text, chunk_chars)
    events: list[dict[str, Any] | str] = [chunk(pieces[0], role="assistant", model=model)]
    events += [chunk(p, model=model) for p in pieces[1:]]
    if finish_reason is not None:
        events.append(chunk(finish_reason=finish_reason, model=model))
    if usage is not None:
        events.append({**usage_chunk(model=model), "usage": usage})
    elif _wants_usage(req):
        events.append(usage_chunk(completion_tokens=len(pieces), model=model))
    return events


def text_reply(
    text: str,
    *,
    chunk_chars: int = 4,
    delay: float = 0.0,
    finish_reason: str | None = "stop",
    usage: dict[str, Any] | None = None,
    model: str = "fake-model",
) -> Reply:
    return Reply(
        events=lambda req: _text_events(req, text, chunk_chars, finish_reason, usage, model),
        delay=delay,
    )


def call_id(name: str, index: int, arguments: str = "") -> str:
    """A deterministic OpenAI-looking call id."""
    digest = hashlib.sha256(f"{index}:{name}:{arguments}".encode()).hexdigest()[:24]
    return f"call_{digest}"


def _tool_call_events(
    req: RecordedRequest,
    calls: tuple[tuple[str, str], ...],
    content: str | None,
    fragment_chars: int,
    interleave: bool,
    finish_reason: str | None,
) -> list[dict[str, Any] | str]:
    events: list[dict[str, Any] | str] = [chunk(role="assistant", content=None if content else "")]
    if content:
        events += [chunk(p) for p in _split(content, 4)]
    per_call: list[list[dict[str, Any]]] = []
    for i, (name, arguments) in enumerate(calls):
        start = {
            "index": i,
            "id": call_id(name, i, arguments),
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        frags = [{"index": i, "function": {"arguments": f}} for f in _split(arguments, fragment_chars)]
        per_call.append([start, *frags])
    if interleave:
        longest = max((len(c) for c in per_call), default=0)
        for step in range(longest):
            for deltas in per_call:
                if step < len(deltas):
                    events.append(chunk(tool_calls=[deltas[step]]))
    else:
        for deltas in per_call:
            events += [chunk(tool_calls=[d]) for d in deltas]
    if finish_reason is not None:
        events.append(chunk(finish_reason=finish_reason))
    if _wants_usage(req):
        events.append(usage_chunk(completion_tokens=len(events)))
    return events


def tool_calls_reply(
    *calls: tuple[str, str],
    content: str | None = None,
    fragment_chars: int = 8,
    interleave: bool = False,
    delay: float = 0.0,
    finish_reason: str | None = "tool_calls",
) -> Reply:
    """Stream (name, arguments_json) calls the standard OpenAI way."""
    return Reply(
        events=lambda req: _tool_call_events(req, calls, content, fragment_chars, interleave, finish_reason),
        delay=delay,
    )


def _function_call_events(req: RecordedRequest, name: str, arguments: str) -> list[dict[str, Any] | str]:
    events: list[dict[str, Any] | str] = [
        chunk(role="assistant", function_call={"name": name, "arguments": ""}),
    ]
    events += [chunk(function_call={"arguments": f}) for f in _split(arguments, 8)]
    events.append(chunk(finish_reason="function_call"))
    if _wants_usage(req):
        events.append(usage_chunk())
    return events


def function_call_reply(name: str, arguments: str, *, delay: float = 0.0) -> Reply:
    """A legacy `delta.function_call` streamed response (functions/function_call API)."""
    return Reply(events=lambda req: _function_call_events(req, name, arguments), delay=delay)


def sse_reply(
    events: list[dict[str, Any] | str],
    *,
    delay: float = 0.0,
    done: bool = True,
    drop_after: int | None = None,
    stall_after: int | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Reply:
    return Reply(
        events=list(events),
        delay=delay,
        done=done,
        drop_after=drop_after,
        stall_after=stall_after,
        status=status,
        headers=dict(headers or {}),
    )


def error_reply(
    status: int,
    message: str = "Something went wrong (fake server).",
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> Reply:
    if body is None:
        body = {"error": {"message": message, "type": "fake_error", "param": None, "code": str(status)}}
    return Reply(body=body, status=status, headers=dict(headers or {}))


def json_reply(body: dict[str, Any], status: int = 200) -> Reply:
    return Reply(body=body, status=status)


# --- the demo bot ---------------------------------------------------------------------------

_SAMPLE_MARKDOWN = """

Here is a short **Markdown** sample:

- a bullet with `inline code`
- a second bullet

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```
"""

_LONG_SECTIONS = [
    "## Section {n}: streaming text\n\n"
    "This paragraph exists to measure how fast the client renders streamed Markdown. "
    "It has **bold**, *italic* and `code` spans, and it wraps across several lines "
    "so that the layout engine has real work to do on every update.\n\n",
    "### Things to check {n}\n\n"
    "- the cursor keeps up with the text\n"
    "- scrolling stays smooth while tokens arrive\n"
    "- nested items render:\n"
    "  - first nested point\n"
    "  - second nested point\n\n",
    "| column | value {n} | note |\n"
    "|--------|-----------|------|\n"
    "| alpha  | 1         | first row |\n"
    "| beta   | 2         | second row |\n"
    "| gamma  | 3         | third row |\n\n",
    "```python\n"
    "def fibonacci_{n}(limit: int) -> list[int]:\n"
    "    numbers = [0, 1]\n"
    "    while numbers[-1] + numbers[-2] < limit:\n"
    "        numbers.append(numbers[-1] + numbers[-2])\n"
    "    return numbers\n"
    "```\n\n",
]


def long_markdown(tokens: int) -> str:
    """Deterministic Markdown of about `tokens` tokens (one token ~ 4 characters).

    Its last line, `End of the long reply (N tokens).`, occurs nowhere else: a benchmark can
    watch a screen for it."""
    target = max(1, tokens) * 4
    parts: list[str] = ["# A long reply\n\n"]
    size = len(parts[0])
    n = 0
    while size < target:
        section = _LONG_SECTIONS[n % len(_LONG_SECTIONS)].format(n=n // len(_LONG_SECTIONS) + 1)
        parts.append(section)
        size += len(section)
        n += 1
    parts.append(f"End of the long reply ({tokens} tokens).\n")
    return "".join(parts)


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


_COUNT = re.compile(r"count the characters in '(.+)'", re.IGNORECASE)
_WEATHER = re.compile(r"weather in ([^?.!,\n]+)", re.IGNORECASE)
_LONG = re.compile(r"\blong (\d+)(?: at (\d+(?:\.\d+)?))?", re.IGNORECASE)


def _offered_names(body: dict[str, Any]) -> list[str]:
    names = [
        (t.get("function") or {}).get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)
    ]
    names += [f.get("name", "") for f in body.get("functions") or [] if isinstance(f, dict)]
    return [n for n in names if n]


def _weather_tool(body: dict[str, Any]) -> str:
    """The demo's weather tool, or whichever offered tool has 'weather' in its name (doctor's)."""
    offered = _offered_names(body)
    if "get_current_weather" in offered:
        return "get_current_weather"
    return next((n for n in offered if "weather" in n), "get_current_weather")


def _named_tool_choice(body: dict[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return name if isinstance(name, str) else None
    return None


def _demo_tool_calls(req: RecordedRequest, calls: list[tuple[str, str]]) -> Reply:
    body = req.json if isinstance(req.json, dict) else {}
    if body.get("functions") and not body.get("tools"):
        name, arguments = calls[0]  # the legacy API has one call per response
        return function_call_reply(name, arguments)
    return tool_calls_reply(*calls)


def demo_reply(req: RecordedRequest, tps: float = 200.0) -> Reply:
    """The deterministic demo bot, answering from the last message(s) of the request."""
    body = req.json if isinstance(req.json, dict) else {}
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    if messages and messages[-1].get("role") in ("tool", "function"):
        results: list[str] = []
        for m in reversed(messages):
            if m.get("role") not in ("tool", "function"):
                break
            results.insert(0, _text_of(m))
        return text_reply("The tool returned: " + " and ".join(results))

    last_user = next((_text_of(m) for m in reversed(messages) if m.get("role") == "user"), "")
    tools_offered = bool(body.get("tools") or body.get("functions"))
    if tools_offered:
        if match := _COUNT.search(last_user):
            return _demo_tool_calls(req, [("count_string", json.dumps({"string": match.group(1)}))])
        if match := _WEATHER.search(last_user):
            # "weather in Paris and in Lisbon" asks for one call per place, in parallel.
            places = [p.strip() for p in re.split(r"\s+and\s+(?:in\s+)?", match.group(1)) if p.strip()]
            tool = _weather_tool(body)
            return _demo_tool_calls(req, [(tool, json.dumps({"location": p})) for p in places])
        lowered = last_user.lower()
        if "time" in lowered and "date" in lowered:
            return _demo_tool_calls(req, [("get_current_date", "{}"), ("get_current_time", "{}")])
    if match := _LONG.search(last_user):
        rate = float(match.group(2)) if match.group(2) else tps
        return text_reply(long_markdown(int(match.group(1))), delay=1.0 / rate if rate > 0 else 0.0)
    return text_reply(f"You said: {last_user}{_SAMPLE_MARKDOWN}")


# --- quirk modes: how real servers differ (for `tui-chat doctor` and the engine's adaptations) ---

# Every mode a FakeServer(quirks=...) or `--quirk` accepts, and what it imitates.
QUIRKS = {
    "no_usage": "ignores stream_options.include_usage: no usage chunk (llama-cpp-python)",
    "rejects_stream_options": "answers 400 to any request with stream_options (older Azure API versions)",
    "repeated_tool_ids": "repeats the call id and the function name on every tool-call delta",
    "function_call_mirror": "each tool-call delta again as legacy delta.function_call (llama-cpp-python)",
    "tools_not_streamed": "with stream=true and tools, answers in text; tool calls only without streaming",
    "named_tool_choice_only": "calls a tool only when tool_choice names it; otherwise answers in text",
    "no_parallel": "at most one tool call per response",
    "reasoning_content": "thinks aloud in delta.reasoning_content first (vLLM, DeepSeek)",
    "reasoning": "thinks aloud in delta.reasoning first (Ollama, OpenRouter)",
    "think_tag": "thinks aloud inline, <think>...</think> at the start of the content",
    "no_done": "ends the stream without data: [DONE]",
    "no_models": "has no /models route (404)",
    "one_model": "lists one model, fake-model (Ollama with one model pulled, llama.cpp, vLLM)",
    "llamacpp_props": "serves llama.cpp's GET /props with default_generation_settings.n_ctx",
    "ollama_show": "serves Ollama's POST /api/show with model_info.<arch>.context_length",
    "lmstudio_models": "serves LM Studio's GET /api/v0/models with max_context_length",
    "vllm_max_model_len": "lists models with vLLM's max_model_len",
    "context_error_openai": "refuses every chat request: 400 code context_length_exceeded (OpenAI)",
    "context_error_vllm": "refuses every chat request: 400 'maximum context length' (vLLM)",
    "context_error_llamacpp": "refuses every chat request: 400 exceed_context_size_error (llama.cpp)",
    "context_error_ollama": "refuses every chat request: 500 'input length exceeds the context length'",
}
# What each server answers to a request that does not fit (status, error object).
CONTEXT_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "context_error_openai": (
        400,
        {
            "message": "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 130412 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        },
    ),
    "context_error_vllm": (
        400,
        {
            "message": "This model's maximum context length is 8192 tokens. However, you requested 9000 "
            "tokens (8500 in the messages, 500 in the completion). Please reduce the length of the "
            "messages or completion.",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        },
    ),
    "context_error_llamacpp": (
        400,
        {
            "code": 400,
            "message": "the request exceeds the available context size, try increasing it",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 14429,
            "n_ctx": 8192,
        },
    ),
    "context_error_ollama": (
        500,
        {
            "message": "the input length exceeds the context length",
            "type": "api_error",
            "param": None,
            "code": None,
        },
    ),
}
# The context window the context quirks report.
FAKE_CONTEXT_WINDOW = 8192
_THOUGHT = "The user wants a short answer."


def _is_streaming(req: RecordedRequest) -> bool:
    return isinstance(req.json, dict) and req.json.get("stream") is True


def _quirky_demo_reply(req: RecordedRequest, quirks: frozenset[str], tps: float) -> Reply:
    """The demo bot's reply, bent the way the server's quirk modes say."""
    body = req.json if isinstance(req.json, dict) else {}
    tools = bool(body.get("tools") or body.get("functions"))
    text_only = (
        tools
        and (
            ("tools_not_streamed" in quirks and _is_streaming(req))
            or ("named_tool_choice_only" in quirks and _named_tool_choice(body) is None)
        )
        and (body.get("messages") or [{}])[-1].get("role") not in ("tool", "function")
    )
    if text_only:
        reply = text_reply("I would look that up with a tool, but I cannot call one here.")
    else:
        reply = demo_reply(req, tps)
    named = _named_tool_choice(body)
    base_events = reply.events
    assert callable(base_events)

    def events(r: RecordedRequest) -> list[dict[str, Any] | str]:
        produced = [e for e in base_events(r) if isinstance(e, dict)]
        return _bend(produced, quirks, named)

    return Reply(events=events, delay=reply.delay, done="no_done" not in quirks)


def _bend(
    events: list[dict[str, Any]], quirks: frozenset[str], named: str | None
) -> list[dict[str, Any] | str]:
    out: list[dict[str, Any]] = []
    seen: dict[int, dict[str, Any]] = {}  # index -> the call's first delta (id, name)
    for event in events:
        if "no_usage" in quirks and "usage" in event:
            if not event.get("choices"):
                continue
            event = {k: v for k, v in event.items() if k != "usage"}
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            calls = delta.get("tool_calls") or []
            if "no_parallel" in quirks or named is not None:
                calls = [c for c in calls if c.get("index", 0) == 0]
            if "repeated_tool_ids" in quirks:
                for call in calls:
                    first = seen.setdefault(call.get("index", 0), call)
                    call.setdefault("id", first.get("id"))
                    call["type"] = "function"
                    call.setdefault("function", {})["name"] = first["function"]["name"]
            if "tool_calls" in delta:
                delta["tool_calls"] = calls
            if "function_call_mirror" in quirks and calls:
                name = seen.get(calls[0].get("index", 0), calls[0]).get("function", {}).get("name")
                arguments = calls[0].get("function", {}).get("arguments", "")
                delta["function_call"] = {"name": name, "arguments": arguments}
        if any((c.get("delta") or {}).get("tool_calls") == [] for c in event.get("choices") or []):
            continue  # a delta of a call dropped by no_parallel
        out.append(event)
    for mode, field_name in (("reasoning_content", "reasoning_content"), ("reasoning", "reasoning")):
        if mode in quirks:
            out.insert(0, chunk(role="assistant", **{field_name: _THOUGHT}))  # type: ignore[arg-type]
    if "think_tag" in quirks:
        out.insert(0, chunk(f"<think>{_THOUGHT}</think>", role="assistant"))
    return list(out)


def as_completion(events: list[dict[str, Any] | str], model: str = "fake-model") -> dict[str, Any]:
    """The chat.completion (stream=false) that a list of chunks adds up to."""
    content, reasoning, finish, usage = "", "", None, None
    calls: dict[int, dict[str, Any]] = {}
    for event in events:
        if not isinstance(event, dict):
            continue
        usage = event.get("usage") or usage
        for choice in event.get("choices") or []:
            finish = choice.get("finish_reason") or finish
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or delta.get("reasoning") or ""
            for d in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    d.get("index", 0),
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = call["id"] or d.get("id") or ""
                fn = d.get("function") or {}
                call["function"]["name"] = call["function"]["name"] or fn.get("name") or ""
                call["function"]["arguments"] += fn.get("arguments") or ""
    message: dict[str, Any] = {"role": "assistant", "content": content or None}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


# --- the HTTP server ------------------------------------------------------------------------

_MODELS: dict[str, Any] = {
    "object": "list",
    "data": [
        {"id": "fake-model", "object": "model", "created": 1700000000, "owned_by": "tests"},
        {"id": "fake-model-large", "object": "model", "created": 1700000000, "owned_by": "tests"},
    ],
}


def _models(quirks: frozenset[str]) -> dict[str, Any]:
    listed = _MODELS["data"][:1] if "one_model" in quirks else _MODELS["data"]
    if "vllm_max_model_len" in quirks:
        listed = [{**m, "max_model_len": FAKE_CONTEXT_WINDOW} for m in listed]
    return {**_MODELS, "data": listed}


def _lmstudio_models() -> dict[str, Any]:
    data = [
        {
            "id": m["id"],
            "object": "model",
            "type": "llm",
            "state": "loaded",
            "max_context_length": FAKE_CONTEXT_WINDOW,
        }
        for m in _MODELS["data"]
    ]
    return {"object": "list", "data": data}


def _route(path: str) -> str:
    """The path without its query string (Azure adds ?api-version=...)."""
    return path.split("?", 1)[0].rstrip("/")


class _ClientGone(Exception):
    pass


def _carries_text(event: dict[str, Any] | str) -> bool:
    if not isinstance(event, dict):
        return False
    for choice in event.get("choices") or []:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and delta.get("content"):
            return True
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    # Idle keep-alive connections give up after this long, so threads never pile up.
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the request log
        pass

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.owner._track(self.connection, open_=False)
        super().finish()

    def do_GET(self) -> None:
        req = self._record(b"")
        owner = self.server.owner
        try:
            if (refusal := owner._refusal(req)) is not None:
                self._send_json(refusal[0], refusal[1], {})
            elif _route(self.path) == "/api/v0/models" and "lmstudio_models" in owner.quirks:
                self._send_json(200, _lmstudio_models(), {})
            elif _route(self.path).endswith("/models") and "no_models" not in owner.quirks:
                self._send_json(200, _models(owner.quirks), {})
            elif _route(self.path) == "/props" and "llamacpp_props" in owner.quirks:
                props = {"default_generation_settings": {"n_ctx": FAKE_CONTEXT_WINDOW}, "total_slots": 1}
                self._send_json(200, props, {})
            else:
                self._send_json(404, {"error": {"message": f"No route {self.path}"}}, {})
        except OSError:
            req.disconnected = True
        finally:
            req.finished.set()

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        req = self._record(self.rfile.read(length) if length else b"")
        owner = self.server.owner
        try:
            if _route(self.path) == "/api/show" and "ollama_show" in owner.quirks:
                info = {"general.architecture": "llama", "llama.context_length": FAKE_CONTEXT_WINDOW}
                self._send_json(200, {"model_info": info, "parameters": "stop <|eot_id|>"}, {})
                return
            if not _route(self.path).endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"No route {self.path}"}}, {})
                return
            if (refusal := owner._refusal(req)) is not None:
                self._send_json(refusal[0], refusal[1], {})
                return
            reply = owner._next_reply(req)
            if reply.body is not None:
                self._send_json(reply.status, reply.body, reply.headers)
            elif isinstance(req.json, dict) and req.json.get("stream") is False:
                events = reply.events(req) if callable(reply.events) else reply.events
                self._send_json(reply.status, as_completion(list(events)), reply.headers)
            else:
                self._send_stream(req, reply)
        except (_ClientGone, OSError):
            req.disconnected = True
            self.close_connection = True
        finally:
            req.finished.set()
            if self.server.owner.on_finished is not None:
                self.server.owner.on_finished(req)

    def _record(self, raw: bytes) -> RecordedRequest:
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        req = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            json=parsed,
            body=raw,
        )
        self.server.owner._log(req)
        return req

    def _send_json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, req: RecordedRequest, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        events = reply.events(req) if callable(reply.events) else reply.events
        for n, event in enumerate(events):
            if reply.drop_after is not None and n >= reply.drop_after:
                self._drop()
                return
            if reply.stall_after is not None and n >= reply.stall_after:
                self._stall()
                return
            if n and reply.delay:
                self._pause(reply.delay)
            payload = event if isinstance(event, str) else json.dumps(event)
            self._write_chunk(f"data: {payload}\n\n".encode())
            if _carries_text(event):
                req.last_text_at = time.monotonic()
                if req.first_text_at is None:
                    req.first_text_at = req.last_text_at
                req.text_chunks += 1
        if reply.drop_after is not None:
            self._drop()
            return
        if reply.stall_after is not None:
            self._stall()
            return
        if reply.done:
            self._write_chunk(b"data: [DONE]\n\n")
        self._write_raw(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        self._write_raw(b"%x\r\n%s\r\n" % (len(data), data))

    def _write_raw(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError as err:
            raise _ClientGone from err

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
            return peeked == b""
        except (OSError, ValueError):
            return True

    def _pause(self, seconds: float) -> None:
        """Wait, but notice a client hang-up or server shutdown at once."""
        deadline = time.monotonic() + min(seconds, MAX_STALL_SECONDS)
        while True:
            if self._client_gone():
                raise _ClientGone
            if self.server.owner._closing.is_set():
                raise _ClientGone
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, _POLL))

    def _stall(self) -> None:
        self._pause(MAX_STALL_SECONDS)
        raise _ClientGone  # never finish a stalled response cleanly

    def _drop(self) -> None:
        """Close the socket abruptly, mid chunked body, like a crashed proxy."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeServer


class FakeServer:
    """An OpenAI-compatible server on 127.0.0.1, served from a background thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tps: float | None = None,
        quirks: Iterable[str] = (),
        api_key: str | None = None,
    ) -> None:
        # Tokens per second for the demo bot's "long N" replies.
        self.tps = tps if tps is not None else float(os.environ.get("FAKESERVER_TPS", "200"))
        # How the demo bot and the routes misbehave (see QUIRKS); scripted replies are sent as they are.
        self.quirks = frozenset(quirks)
        unknown = self.quirks - QUIRKS.keys()
        if unknown:
            raise ValueError(f"unknown quirk modes: {sorted(unknown)}")
        # When set, every request without `Authorization: Bearer <api_key>` gets a 401.
        self.api_key = api_key
        self._connections: set[socket.socket] = set()
        self.requests: list[RecordedRequest] = []
        # Called (from the handler thread) when a request has been fully handled.
        self.on_finished: Callable[[RecordedRequest], None] | None = None
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._request_added = threading.Condition(self._lock)
        self._closing = threading.Event()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{host}:{self.port}/v1"
        # A short poll interval keeps close() (and so every test teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(_POLL,), name="fake-openai", daemon=True
        )
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        """Queue replies; each POST /chat/completions pops the next one."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == "POST" and _route(r.path).endswith("/chat/completions")
            ]

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` requests arrived (for use from another thread)."""
        with self._request_added:
            return self._request_added.wait_for(lambda: len(self.requests) >= count, timeout)

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            idle = list(self._connections)
        for conn in idle:  # wake handler threads parked on keep-alive reads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _track(self, conn: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _log(self, req: RecordedRequest) -> None:
        with self._request_added:
            self.requests.append(req)
            self._request_added.notify_all()

    def _next_reply(self, req: RecordedRequest) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        if self.quirks:
            return _quirky_demo_reply(req, self.quirks, self.tps)
        return demo_reply(req, self.tps)

    def _refusal(self, req: RecordedRequest) -> tuple[int, dict[str, Any]] | None:
        """The error status and body a request gets before any reply: a bad key, stream_options."""
        if self.api_key is not None and req.headers.get("authorization") != f"Bearer {self.api_key}":
            error = {"message": "Incorrect API key provided.", "type": "invalid_request_error"}
            return 401, {"error": {**error, "param": None, "code": "invalid_api_key"}}
        body = req.json if isinstance(req.json, dict) else {}
        for mode in self.quirks & CONTEXT_ERRORS.keys():
            status, error = CONTEXT_ERRORS[mode]
            return status, {"error": error}
        if (unanswered := _unanswered_tool_calls(body)) is not None:
            return 400, {"error": unanswered}
        if "rejects_stream_options" in self.quirks and "stream_options" in body:
            error = {
                "message": "Unrecognized request argument supplied: stream_options",
                "type": "invalid_request_error",
            }
            return 400, {"error": {**error, "param": None, "code": None}}
        return None


def _unanswered_tool_calls(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's refusal of a request whose assistant message with `tool_calls` is not followed
    by a `tool` message for each call id (what a fork or an edit that cut a tool round sends),
    or None when every call is answered."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for n, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        if not isinstance(calls, list) or not calls:
            continue
        owed = [c.get("id") for c in calls if isinstance(c, dict)]
        for later in messages[n + 1 :]:
            if not isinstance(later, dict) or later.get("role") != "tool":
                break
            if later.get("tool_call_id") in owed:
                owed.remove(later.get("tool_call_id"))
        if owed:
            return {
                "message": "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have response "
                f"messages: {', '.join(str(i) for i in owed)}",
                "type": "invalid_request_error",
                "param": f"messages.[{n + 1}].role",
                "code": None,
            }
    return None


def _print_stream(req: RecordedRequest) -> None:
    if req.first_text_at is None:
        return
    record = {
        "path": req.path,
        "first_text_at": req.first_text_at,
        "last_text_at": req.last_text_at,
        "text_chunks": req.text_chunks,
        "disconnected": req.disconnected,
    }
    print("stream " + json.dumps(record), flush=True)


def add_arguments(parser: argparse.ArgumentParser, *, default_port: int = 0) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=default_port, help=f"0: any free port (default {default_port})"
    )
    parser.add_argument(
        "--tps", type=float, default=None, help="tokens per second for 'long N' replies (env FAKESERVER_TPS)"
    )
    parser.add_argument(
        "--quirk",
        action="append",
        default=[],
        choices=sorted(QUIRKS),
        help="imitate a real server's quirk (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in QUIRKS.items()),
    )
    parser.add_argument("--api-key", default=None, help="answer 401 to requests without this key")
    parser.add_argument(
        "--log-streams",
        action="store_true",
        help="print a 'stream {json}' line with server-side timings per finished streamed reply",
    )


def serve(args: argparse.Namespace, *, hint: bool = False) -> int:
    """Serve until interrupted; the base URL is the first line on stdout. 1 when the port is
    taken; with `hint`, stderr says how to point the app at it."""
    try:
        server = FakeServer(args.host, args.port, tps=args.tps, quirks=args.quirk, api_key=args.api_key)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if args.log_streams:
        server.on_finished = _print_stream
    print(server.url, flush=True)
    if hint:
        print(
            f"Demo bot ready. In another terminal: tui-chat --base-url {server.url} --model fake-model\n"
            'Try "count the characters in \'strawberry\'" or "long 2000". Ctrl+C stops it.',
            file=sys.stderr,
            flush=True,
        )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the tui-chat demo bot on loopback.")
    add_arguments(parser)
    raise SystemExit(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
