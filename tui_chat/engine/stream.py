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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import httpx2
import openai

from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.errors import StreamProtocolError
from tui_chat.engine.events import Event

if TYPE_CHECKING:
    from openai._response import AsyncAPIResponse

# After [DONE], how long we wait for the rest of the body (usually only the chunked-encoding
# terminator) so the connection goes back to the pool; the SDK's own stream does the same.
_DRAIN_SECONDS = 0.1
# What the SDK maps to APIConnectionError while reading a body (httpx2 leaves TLS and
# end-of-stream failures from anyio unmapped).
_READ_ERRORS = (httpx2.RequestError, ssl.SSLError, anyio.EndOfStream)


@dataclass
class UsageSupport:
    """Whether this server accepts `stream_options={"include_usage": True}`.
    Some servers and Azure API versions answer 400; we then stop asking."""

    supported: bool = True


def rejects_stream_options(exc: openai.APIStatusError) -> bool:
    # 400 from Azure ("Unrecognized request argument"), 422 from pydantic-based servers.
    if exc.status_code not in (400, 422):
        return False
    text = f"{exc.message} {exc.param or ''}".lower()
    return "stream_options" in text or "include_usage" in text


async def open_stream(
    client: openai.AsyncOpenAI, params: dict[str, Any], usage: UsageSupport
) -> AsyncAPIResponse[Any]:
    """Start a streamed chat completion, retrying once without stream_options if refused.
    The body is not read yet; the caller must close the response (stream_events does)."""
    create = client.chat.completions.with_streaming_response.create
    if usage.supported:
        try:
            return await create(**params, stream=True, stream_options={"include_usage": True}).__aenter__()
        except openai.APIStatusError as exc:
            if not rejects_stream_options(exc):
                raise
            usage.supported = False
    return await create(**params, stream=True).__aenter__()


async def stream_events(
    response: AsyncAPIResponse[Any], assembler: StreamAssembler
) -> AsyncGenerator[Event, None]:
    """Feed every chunk to the assembler and yield what it produced; check how it ended."""
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
