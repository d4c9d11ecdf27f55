"""Turn any failure of a request into (ErrorKind, one human line that says what to do).

Never a traceback, never the API key: the key is redacted from whatever the server said.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui_chat.engine.events import ErrorKind

if TYPE_CHECKING:
    import openai

    from tui_chat.engine.conversation import Conversation

# What the server said is clipped so the "what to do" part of the line survives.
_MAX_SERVER_DETAIL = 200
_MAX_LINE = 400


class StreamProtocolError(Exception):
    """The stream ended in a way no well-behaved server ends it."""


@dataclass(frozen=True)
class ErrorContext:
    """What the message may mention: never the key itself, only enough to redact it."""

    model: str = ""
    base_url: str = ""
    read_timeout: float | None = None
    api_key: str | None = None
    # True once the response started streaming: a connection error then means a drop.
    streaming: bool = False


def describe_error(exc: BaseException, ctx: ErrorContext | None = None) -> tuple[ErrorKind, str]:
    ctx = ctx or ErrorContext()
    kind, message = _describe(exc, ctx)
    return kind, _one_line(message, ctx.api_key)


def _describe(exc: BaseException, ctx: ErrorContext) -> tuple[ErrorKind, str]:
    import openai  # loaded by then (a request failed); kept out of start-up

    if isinstance(exc, StreamProtocolError):
        return "protocol", str(exc)
    if isinstance(exc, json.JSONDecodeError):
        return (
            "protocol",
            "The server sent a malformed stream event (not JSON), so the reply stopped. Try again.",
        )
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", _timeout_message(ctx)
    if isinstance(exc, openai.APIConnectionError):
        if ctx.streaming:
            return "connection", "The connection dropped in the middle of the reply. Try again."
        where = f" at {ctx.base_url}" if ctx.base_url else ""
        return "connection", f"Could not reach the server{where}. Check that it is running and the base URL."
    if isinstance(exc, openai.APIError) and is_context_overflow(exc):
        return "context_length", _context_message(exc, ctx)
    if isinstance(exc, openai.APIStatusError):
        return _status_message(exc, ctx)
    if isinstance(exc, openai.APIError):  # an error object sent inside the stream
        return "protocol", f"The server reported an error mid-reply: {_server_detail(exc, ctx)}. Try again."
    if isinstance(exc, openai.OpenAIError):
        return "auth" if "api_key" in str(exc) else "other", f"{exc}"
    return "other", f"Unexpected error ({type(exc).__name__}): {exc}"


# How servers say the request does not fit (OpenAI's code is checked first): vLLM and OpenAI
# "This model's maximum context length is N tokens"; llama.cpp "the request exceeds the
# available context size" (type exceed_context_size_error) or "Context size has been exceeded";
# llama-cpp-python "Requested tokens (N) exceed context window of M"; Ollama "input length
# exceeds the context length" (with truncation off; by default it truncates silently).
_CONTEXT_CODES = ("context_length_exceeded", "exceed_context_size_error")
_CONTEXT_PATTERNS = re.compile(
    r"maximum context length|exceeds? the available context size|context size has been exceeded"
    r"|exceed(s)? context window|input length exceeds the context length|input exceeds context length"
    r"|context_length_exceeded|prompt is too long",
    re.IGNORECASE,
)


def is_context_overflow(exc: BaseException) -> bool:
    """Whether the server refused the request because it does not fit the model's context."""
    import openai

    if not isinstance(exc, openai.APIError):
        return False
    body: Any = exc.body
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict):
        if error.get("code") in _CONTEXT_CODES or error.get("type") in _CONTEXT_CODES:
            return True
        if isinstance(error.get("message"), str) and _CONTEXT_PATTERNS.search(error["message"]):
            return True
    return bool(_CONTEXT_PATTERNS.search(f"{exc.message} {body if isinstance(body, str) else ''}"))


def _context_message(exc: openai.APIError, ctx: ErrorContext) -> str:
    return (
        f"The conversation no longer fits the model's context: {_server_detail(exc, ctx)}. "
        "Compact it (Context: compact), start a new chat from a summary, or remove attachments."
    )


def _timeout_message(ctx: ErrorContext) -> str:
    seconds = f" for {ctx.read_timeout:g} s" if ctx.read_timeout else ""
    if ctx.streaming:
        return f"The stream stalled: no data{seconds}. Try again, or raise the timeout setting (--timeout)."
    return f"The server did not answer{seconds}. Try again, or raise the timeout setting (--timeout)."


def _status_message(exc: openai.APIStatusError, ctx: ErrorContext) -> tuple[ErrorKind, str]:
    status = exc.status_code
    detail = _server_detail(exc, ctx)
    if status in (401, 403):
        return "auth", (
            f"The server refused the API key ({status}): {detail}. "
            "Check the key (--api-key, the provider's environment variable, or the config file)."
        )
    if status == 404:
        model = f"'{ctx.model}' " if ctx.model else ""
        return "not_found", (
            f"Model {model}or endpoint not found (404): {detail}. Check the model name and the base URL."
        )
    if status == 429:
        return "rate_limit", f"Rate limited (429) even after retries: {detail}. Wait a little and try again."
    if status >= 500:
        return "server", f"The server failed ({status}): {detail}. Try again later."
    if status == 400:
        return (
            "bad_request",
            f"The server rejected the request (400): {detail}. Check the model and settings.",
        )
    return "other", f"The server answered {status}: {detail}"


def _server_detail(exc: openai.APIError, ctx: ErrorContext) -> str:
    body: Any = exc.body
    detail = exc.message or type(exc).__name__
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        detail = body["message"]
    elif isinstance(body, str) and body:
        detail = body
    if ctx.api_key:  # before clipping, so no fragment of the key survives
        detail = detail.replace(ctx.api_key, "[redacted]")
    detail = detail.strip().rstrip(".")
    return detail if len(detail) <= _MAX_SERVER_DETAIL else detail[: _MAX_SERVER_DETAIL - 1] + "…"


def _one_line(text: str, api_key: str | None) -> str:
    if api_key:
        text = text.replace(api_key, "[redacted]")
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > _MAX_LINE:
        text = text[: _MAX_LINE - 1] + "…"
    return text


def sent_images(conversation: Conversation) -> list[str]:
    """The names of the images the request carried (a 400 then likely means "no vision")."""
    return [a.name for m in conversation.messages for a in m.attachments if a.kind == "image"]


def image_refused(names: list[str], text: str) -> str:
    """Name the image attachment(s) when a server rejects a request that carried images."""
    listed = ", ".join(names)
    return (
        f"The server rejected the request with the image attachment {listed}: this model may not "
        f"accept images. Remove the attachment (edit the message) or choose a vision model. ({text})"
    )
