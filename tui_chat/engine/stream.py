"""One request through the SDK: open the stream, feed the assembler, yield its events.

Failures surface as exceptions (SDK errors, json.JSONDecodeError, StreamProtocolError); the
turn loop turns them into TurnFailed. The HTTP response is always closed on the way out,
including when the consuming task is cancelled.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.errors import StreamProtocolError
from tui_chat.engine.events import Event


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
) -> openai.AsyncStream[Any]:
    """Start a streamed chat completion, retrying once without stream_options if refused."""
    if usage.supported:
        try:
            return await client.chat.completions.create(
                **params, stream=True, stream_options={"include_usage": True}
            )
        except openai.APIStatusError as exc:
            if not rejects_stream_options(exc):
                raise
            usage.supported = False
    return await client.chat.completions.create(**params, stream=True)


class _DoneWatcher(httpx2.AsyncByteStream):
    """Passes the body through and notes whether `data: [DONE]` went by.

    The SDK swallows [DONE]; without this we could not tell a finished stream that lacks a
    finish reason (seen from Ollama) from one the server cut short.
    """

    def __init__(self, inner: httpx2.AsyncByteStream) -> None:
        self._inner = inner
        self._tail = b""
        self.done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self._inner:
            if not self.done:
                window = self._tail + data
                self.done = b"data: [DONE]" in window or b"data:[DONE]" in window
                self._tail = window[-16:]
            yield data

    async def aclose(self) -> None:
        await self._inner.aclose()


def _watch_for_done(response: httpx2.Response) -> _DoneWatcher | None:
    if not isinstance(response.stream, httpx2.AsyncByteStream):
        return None  # an unfamiliar transport: we simply cannot tell, so we do not judge
    watcher = _DoneWatcher(response.stream)
    response.stream = watcher
    return watcher


async def stream_events(
    stream: openai.AsyncStream[Any], assembler: StreamAssembler
) -> AsyncGenerator[Event, None]:
    """Feed every chunk to the assembler and yield what it produced; check how it ended."""
    watcher = _watch_for_done(stream.response)
    async with stream:  # closes the HTTP response on any exit, cancellation included
        async for chunk in stream:
            for event in assembler.feed(chunk):
                yield event
    if assembler.chunk_count == 0:
        content_type = stream.response.headers.get("content-type", "")
        if "event-stream" not in content_type:
            raise StreamProtocolError(
                "The server answered with a plain reply instead of a stream (it ignored stream=true). "
                "Check the base URL; this client needs a server that streams."
            )
        raise StreamProtocolError("The server ended the stream without sending anything. Try again.")
    if not assembler.finish_reason and watcher is not None and not watcher.done:
        raise StreamProtocolError(
            "The stream ended early, with neither a finish reason nor [DONE]; "
            "the reply may be incomplete. Try again."
        )
