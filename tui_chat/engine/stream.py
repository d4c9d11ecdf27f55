"""One request through the SDK: open the raw streaming response, parse its SSE lines, feed the
assembler plain dicts, yield its events.

The SDK still builds the URL, authenticates (OpenAI, Azure), retries and raises its status
errors; we only read the body. Parsing it ourselves skips one pydantic object per chunk (about
six times cheaper, see benchmarks/stream_parse.py) and lets us see `data: [DONE]` directly.

Failures surface as exceptions (SDK errors, json.JSONDecodeError, StreamProtocolError); the
turn loop turns them into TurnFailed. The HTTP response is always closed on the way out,
including when the consuming task is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import httpx2
import openai

from tui_chat.engine import quirks
from tui_chat.engine.assembler import StreamAssembler, field_of
from tui_chat.engine.errors import StreamProtocolError
from tui_chat.engine.events import Event
from tui_chat.engine.quirks import ServerQuirks

if TYPE_CHECKING:
    from openai._response import AsyncAPIResponse

# After [DONE], how long we wait for the rest of the body (usually only the chunked-encoding
# terminator) so the connection goes back to the pool; the SDK's own stream does the same.
_DRAIN_SECONDS = 0.1
# What the SDK maps to APIConnectionError while reading a body (httpx2 leaves TLS and
# end-of-stream failures from anyio unmapped).
_READ_ERRORS = (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream)


@dataclass
class ServerAdaptations:
    """What this engine knows about its servers' quirks and adapts to.

    `stream_options` is sent until a server refuses it (400 from some servers and Azure API
    versions, 422 from pydantic-based ones); then we stop asking, and save that so the next run
    does not fail first. What `tui-chat doctor` found (engine/quirks.py) is read once per base
    URL and model: it can skip `stream_options` at once, and send a request with tools without
    streaming to a server that cannot stream tool calls."""

    supported: bool = True  # stream_options, for any server this engine talks to
    _known: dict[tuple[str, str], ServerQuirks | None] = field(default_factory=dict)

    def quirks_for(self, base_url: str, model: str) -> ServerQuirks | None:
        key = (quirks.server_key(base_url), model)
        if key not in self._known:
            self._known[key] = quirks.load(base_url, model)
        return self._known[key]

    def active(self, base_url: str, model: str) -> list[str]:
        """The adaptations in force for `model` at `base_url`, in short words."""
        found = self.quirks_for(base_url, model)
        active = list(found.adaptations) if found is not None else []
        if not self.supported and quirks.NO_STREAM_OPTIONS not in active:
            active.insert(0, quirks.NO_STREAM_OPTIONS)
        return active


# The name before quirks were saved; kept for callers that still use it.
UsageSupport = ServerAdaptations


def rejects_stream_options(exc: openai.APIStatusError) -> bool:
    # 400 from Azure ("Unrecognized request argument"), 422 from pydantic-based servers.
    if exc.status_code not in (400, 422):
        return False
    text = f"{exc.message} {exc.param or ''}".lower()
    return "stream_options" in text or "include_usage" in text


@dataclass
class CompletedReply:
    """A reply asked for without streaming (a server that cannot stream tool calls): its JSON
    body, which stream_events turns into the same events a stream would have given."""

    body: Any
    http_response: httpx2.Response


async def open_stream(
    client: openai.AsyncOpenAI, params: dict[str, Any], usage: ServerAdaptations
) -> AsyncAPIResponse[Any] | CompletedReply:
    """Start a streamed chat completion, retrying once without stream_options if refused.
    The body is not read yet; the caller must close the response (stream_events does).
    On a server known to deliver tool calls only without streaming, a request that offers tools
    is sent without streaming and answered complete."""
    base_url, model = str(client.base_url), str(params.get("model", ""))
    known = usage.quirks_for(base_url, model)
    if known is not None and known.tool_calls == "not_streamed" and _offers_tools(params):
        return await _complete(client, params)
    create = client.chat.completions.with_streaming_response.create
    if usage.supported and not (known is not None and known.stream_options is False):
        try:
            return await create(**params, stream=True, stream_options={"include_usage": True}).__aenter__()
        except openai.APIStatusError as exc:
            if not rejects_stream_options(exc):
                raise
            usage.supported = False
            quirks.remember(base_url, model, stream_options=False)
    return await create(**params, stream=True).__aenter__()


def _offers_tools(params: dict[str, Any]) -> bool:
    return bool(params.get("tools") or params.get("functions"))


async def _complete(client: openai.AsyncOpenAI, params: dict[str, Any]) -> CompletedReply:
    raw = await client.chat.completions.with_raw_response.create(**params, stream=False)
    http = raw.http_response
    try:
        body = json.loads(http.text)
    except ValueError as exc:
        raise StreamProtocolError(
            "The server's reply was not JSON. Check the base URL; this client needs an "
            "OpenAI-compatible server."
        ) from exc
    return CompletedReply(body, http)


def completion_as_chunks(body: Any) -> list[dict[str, Any]]:
    """A whole chat.completion as the one chunk a stream would have added up to: the message
    becomes the delta, each tool call gets its index, usage rides along."""
    choices = []
    for choice in field_of(body, "choices") or []:
        message = field_of(choice, "message")
        delta = dict(message) if isinstance(message, dict) else {}
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            delta["tool_calls"] = [
                {**call, "index": n} if isinstance(call, dict) else call for n, call in enumerate(calls)
            ]
        finish = field_of(choice, "finish_reason")
        choices.append({"index": field_of(choice, "index"), "delta": delta, "finish_reason": finish})
    chunk: dict[str, Any] = {"choices": choices}
    if isinstance(field_of(body, "usage"), dict):
        chunk["usage"] = body["usage"]
    return [chunk]


async def stream_events(
    response: AsyncAPIResponse[Any] | CompletedReply, assembler: StreamAssembler
) -> AsyncGenerator[Event, None]:
    """Feed every chunk to the assembler and yield what it produced; check how it ended."""
    if isinstance(response, CompletedReply):
        if isinstance(field_of(response.body, "error"), dict):
            raise _stream_error(response.body["error"], response.http_response)
        for chunk in completion_as_chunks(response.body):
            for event in assembler.feed(chunk):
                yield event
        if not assembler.finish_reason and not assembler.content and not assembler.tool_calls:
            raise StreamProtocolError("The server answered with an empty reply. Try again.")
        return
    http = response.http_response
    done = False
    try:
        lines = _data_lines(http)
        async for data in lines:
            if data.startswith("[DONE]"):
                done = True
                break
            chunk = json.loads(data)
            if isinstance(chunk, dict) and chunk.get("error"):
                raise _stream_error(chunk["error"], http)
            for event in assembler.feed(chunk):
                yield event
        if done:
            await _drain(lines)
    finally:  # any exit, cancellation included, closes the HTTP response
        await response.close()
    if assembler.chunk_count == 0:
        if "event-stream" not in http.headers.get("content-type", ""):
            raise StreamProtocolError(
                "The server answered with a plain reply instead of a stream (it ignored stream=true). "
                "Check the base URL; this client needs a server that streams."
            )
        raise StreamProtocolError("The server ended the stream without sending anything. Try again.")
    if not assembler.finish_reason and not done:
        # Ollama may end with [DONE] and no finish reason; neither means the server cut us short.
        raise StreamProtocolError(
            "The stream ended early, with neither a finish reason nor [DONE]; "
            "the reply may be incomplete. Try again."
        )


async def _data_lines(http: httpx2.Response) -> AsyncIterator[str]:
    """The data of each server-sent event (several `data:` lines joined by newlines, as the
    SSE spec says); comments, `event:` and `id:` lines are ignored. Read errors are raised as
    the SDK's own APITimeoutError / APIConnectionError, as its typed stream would."""
    pending: list[str] = []
    try:
        async for line in http.aiter_lines():
            if line.startswith("data:"):
                value = line[5:]
                pending.append(value[1:] if value.startswith(" ") else value)
            elif not line and pending:
                yield "\n".join(pending)
                pending = []
        if pending:  # a last event without its blank line
            yield "\n".join(pending)
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=http.request) from exc
    except _READ_ERRORS as exc:
        raise openai.APIConnectionError(request=http.request) from exc


async def _drain(lines: AsyncIterator[str]) -> None:
    # Errors here must not turn a finished reply into a failure.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _ in lines:
                pass


def _stream_error(error: Any, http: httpx2.Response) -> openai.APIError:
    """An error object sent inside an OK stream, shaped as the SDK raises it."""
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        message = "An error occurred during streaming"
    return openai.APIError(message, http.request, body=error)
