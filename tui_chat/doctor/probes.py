"""The doctor's probes: a few tiny requests, each bounded by a timeout, each recording what the
server did rather than deciding what that means (report.py does).

Chat probes go through the SDK (URL, auth and Azure as the app does them) with its raw
streaming response, and read the SSE lines themselves, as the engine does, so they see what
the server really sent (`[DONE]`, a repeated id, a usage chunk) and can print it (`--raw`).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx2
import openai

from tui_chat.engine.assembler import field_of
from tui_chat.engine.errors import ErrorContext, describe_error

if TYPE_CHECKING:
    from tui_chat.engine.events import ErrorKind

# One tool, small enough for a 135M model to fill in.
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "the city"}},
            "required": ["location"],
        },
    },
}
NAMED_CHOICE = {"type": "function", "function": {"name": "get_weather"}}
PLAIN_PROMPT = "Say hello in one short sentence."
TOOL_PROMPT = "What is the weather in Paris? Use the get_weather tool."
PARALLEL_PROMPT = "What is the weather in Paris and in Lisbon? Call get_weather once for each city."
# Enough for a reasoning model to get past a short thought, small enough to stay quick.
MAX_TOKENS = 96


@dataclass
class ProbeError:
    kind: ErrorKind
    message: str
    status: int | None = None


@dataclass
class ToolDelta:
    """One tool-call fragment as it arrived: which fields it carried."""

    index: int | None
    id: str | None
    name: str | None
    arguments: str


@dataclass
class ChatProbe:
    """What one chat request did."""

    name: str
    streamed: bool = True
    error: ProbeError | None = None
    stream_options_sent: bool = False
    stream_options_rejected: bool = False
    event_stream: bool = False
    chunks: int = 0
    done: bool = False
    usage: dict[str, Any] | None = None
    finish_reasons: list[str] = field(default_factory=list)
    reasoning_fields: list[str] = field(default_factory=list)
    content: str = ""
    tool_deltas: list[ToolDelta] = field(default_factory=list)
    # Tool-call deltas also sent as the legacy `function_call` (llama-cpp-python does).
    function_call_mirrored: bool = False
    raw_lines: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    def call_ids(self) -> list[str]:
        """Distinct call ids in order of arrival (a call that never got one counts by index)."""
        seen: list[str] = []
        for d in self.tool_deltas:
            key = d.id or f"#{d.index}"
            if (d.id or d.name) and key not in seen:
                seen.append(key)
        return seen


@dataclass
class ModelsProbe:
    error: ProbeError | None = None
    models: list[str] = field(default_factory=list)
    raw: Any = None
    seconds: float = 0.0


@dataclass
class ContextProbe:
    tokens: int | None = None
    source: str | None = None  # "llama.cpp /props", "Ollama /api/show", ...
    # What the server is, from the route of its own that answered (quirks.SERVER_KINDS):
    # "ollama" when POST /api/show answered as Ollama does, even without a window in it.
    server: str | None = None


class Prober:
    """Runs the probes against one client; `timeout` bounds each of them."""

    def __init__(self, client: openai.AsyncOpenAI, model: str, *, timeout: float, api_key: str | None):
        self.client = client
        self.model = model
        self.timeout = timeout
        self.api_key = api_key

    def _error(self, exc: BaseException, streaming: bool = False) -> ProbeError:
        if isinstance(exc, TimeoutError):
            return ProbeError("timeout", f"No complete answer within {self.timeout:g} s.")
        ctx = ErrorContext(
            model=self.model,
            base_url=str(self.client.base_url),
            read_timeout=self.timeout,
            api_key=self.api_key,
            streaming=streaming,
        )
        kind, message = describe_error(exc, ctx)
        status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
        return ProbeError(kind, message, status)

    async def models(self) -> ModelsProbe:
        probe = ModelsProbe()
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                raw = await self.client.models.with_raw_response.list()
                probe.raw = json.loads(raw.http_response.text)
                data = field_of(probe.raw, "data") or []
                probe.models = sorted(str(m["id"]) for m in data if isinstance(m, dict) and m.get("id"))
        except Exception as exc:  # every failure is a finding, never a traceback
            probe.error = self._error(exc)
        probe.seconds = time.monotonic() - started
        return probe

    async def chat(
        self,
        name: str,
        prompt: str,
        *,
        tools: bool = False,
        tool_choice: Any = None,
        stream: bool = True,
        stream_options: bool = True,
        temperature: float | None = None,
    ) -> ChatProbe:
        """One chat request. With `stream_options` it asks for usage first and, if the server
        refuses the field, asks again without it (recording that)."""
        probe = ChatProbe(name=name, streamed=stream)
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": MAX_TOKENS,
        }
        if temperature is not None:
            params["temperature"] = temperature
        if tools:
            params["tools"] = [WEATHER_TOOL]
            if tool_choice is not None:
                params["tool_choice"] = tool_choice
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                if not stream:
                    await self._complete(params, probe)
                elif stream_options:
                    try:
                        probe.stream_options_sent = True
                        await self._stream(params | {"stream_options": {"include_usage": True}}, probe)
                    except openai.APIStatusError as exc:
                        from tui_chat.engine.stream import rejects_stream_options

                        if not rejects_stream_options(exc):
                            raise
                        probe.stream_options_rejected = True
                        probe.raw_lines.append(f"(HTTP {exc.status_code}: {exc.message}; again without it)")
                        await self._stream(params, probe)
                else:
                    await self._stream(params, probe)
        except Exception as exc:
            probe.error = self._error(exc, streaming=probe.chunks > 0)
        probe.seconds = time.monotonic() - started
        return probe

    async def _stream(self, params: dict[str, Any], probe: ChatProbe) -> None:
        create = self.client.chat.completions.with_streaming_response.create
        async with create(**params, stream=True) as response:
            http = response.http_response
            probe.event_stream = "event-stream" in http.headers.get("content-type", "")
            async for line in http.aiter_lines():
                probe.raw_lines.append(line)
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    probe.done = True
                    continue
                try:
                    chunk = json.loads(data)
                except ValueError:
                    continue
                if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
                    message = chunk["error"].get("message") or "an error inside the stream"
                    raise openai.APIError(str(message), http.request, body=chunk["error"])
                probe.chunks += 1
                _note_chunk(chunk, probe, delta_key="delta")

    async def _complete(self, params: dict[str, Any], probe: ChatProbe) -> None:
        raw = await self.client.chat.completions.with_raw_response.create(**params, stream=False)
        text = raw.http_response.text
        probe.raw_lines.append(text)
        body = json.loads(text)
        probe.chunks = 1
        _note_chunk(body, probe, delta_key="message")

    async def context_window(self, listed: Any) -> ContextProbe:
        """The context window, from whichever server-specific route answers: vLLM's model list,
        llama.cpp's /props, LM Studio's /api/v0/models, Ollama's /api/show."""
        for entry in field_of(listed, "data") or []:
            if field_of(entry, "id") == self.model and _positive(field_of(entry, "max_model_len")):
                return ContextProbe(int(entry["max_model_len"]), "vLLM /v1/models max_model_len", "vllm")
        root = _server_root(str(self.client.base_url))
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        timeout = httpx2.Timeout(min(self.timeout, 5.0))
        try:
            async with httpx2.AsyncClient(base_url=root, headers=headers, timeout=timeout) as http:
                identified: str | None = None
                for look in (_llamacpp_props, _lmstudio_models, _ollama_show):
                    try:
                        found = await look(http, self.model)
                    except (httpx2.HTTPError, ValueError, OSError):
                        continue
                    if found.tokens:
                        return found
                    identified = identified or found.server
                return ContextProbe(server=identified)
        except (httpx2.HTTPError, OSError):
            pass
        return ContextProbe()


def _note_chunk(chunk: Any, probe: ChatProbe, *, delta_key: str) -> None:
    usage = field_of(chunk, "usage")
    if isinstance(usage, dict) and usage:
        probe.usage = usage
    for choice in field_of(chunk, "choices") or []:
        finish = field_of(choice, "finish_reason")
        if isinstance(finish, str) and finish and finish not in probe.finish_reasons:
            probe.finish_reasons.append(finish)
        delta = field_of(choice, delta_key)
        for reasoning in ("reasoning_content", "reasoning"):
            value = field_of(delta, reasoning)
            if isinstance(value, str) and value and reasoning not in probe.reasoning_fields:
                probe.reasoning_fields.append(reasoning)
        content = field_of(delta, "content")
        if isinstance(content, str):
            probe.content += content
        calls = field_of(delta, "tool_calls") or []
        if calls and isinstance(field_of(delta, "function_call"), dict):
            probe.function_call_mirrored = True
        for n, call in enumerate(calls if isinstance(calls, list) else []):
            function = field_of(call, "function")
            index = field_of(call, "index")
            arguments = field_of(function, "arguments")
            probe.tool_deltas.append(
                ToolDelta(
                    index=index if isinstance(index, int) else (n if delta_key == "message" else None),
                    id=field_of(call, "id") or None,
                    name=field_of(function, "name") or None,
                    arguments=arguments if isinstance(arguments, str) else json.dumps(arguments or ""),
                )
            )


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _server_root(base_url: str) -> str:
    """http://host:8080/v1/ -> http://host:8080 (the native routes live beside /v1)."""
    parts = urlsplit(base_url)
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


async def _llamacpp_props(http: httpx2.AsyncClient, model: str) -> ContextProbe:
    response = await http.get("/props")
    if response.status_code != 200:
        return ContextProbe()
    props = response.json()
    n_ctx = field_of(field_of(props, "default_generation_settings"), "n_ctx") or field_of(props, "n_ctx")
    return ContextProbe(n_ctx, "llama.cpp /props n_ctx", "llama.cpp") if _positive(n_ctx) else ContextProbe()


async def _lmstudio_models(http: httpx2.AsyncClient, model: str) -> ContextProbe:
    response = await http.get("/api/v0/models")
    if response.status_code != 200:
        return ContextProbe()
    for entry in field_of(response.json(), "data") or []:
        if field_of(entry, "id") != model:
            continue
        for key in ("loaded_context_length", "max_context_length"):
            if _positive(value := field_of(entry, key)):
                return ContextProbe(value, f"LM Studio /api/v0/models {key}", "lmstudio")
    return ContextProbe()


async def _ollama_show(http: httpx2.AsyncClient, model: str) -> ContextProbe:
    response = await http.post("/api/show", json={"model": model})
    if response.status_code != 200:
        return ContextProbe()
    body = response.json()
    if not isinstance(body, dict) or not {"model_info", "parameters", "modelfile"} & body.keys():
        return ContextProbe()  # some other server's /api/show: not Ollama's answer
    # A Modelfile's num_ctx is what Ollama runs with; the model's own length is the ceiling.
    for line in str(field_of(body, "parameters") or "").splitlines():
        key, _, value = line.partition(" ")
        if key == "num_ctx" and value.strip().isdigit():
            return ContextProbe(int(value.strip()), "Ollama /api/show num_ctx", "ollama")
    info = field_of(body, "model_info")
    if isinstance(info, dict):
        for key, value in info.items():
            if key.endswith(".context_length") and _positive(value):
                return ContextProbe(value, "Ollama /api/show context_length", "ollama")
    return ContextProbe(server="ollama")
