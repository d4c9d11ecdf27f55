"""How `tui-chat ask` shows a turn: human text (reply on stdout, activity on stderr) or
JSON Lines (one event per line on stdout; readers ignore types and fields they don't know)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from tui_chat.engine.events import (
    Event,
    ReasoningDelta,
    RequestRetrying,
    ResponseFinished,
    TextDelta,
    ToolCallCompleted,
    ToolResultReady,
    TurnEnded,
    TurnFailed,
)

_NOTE_WIDTH = 160
SHORT_ID = 8  # as `tui-chat sessions` shows ids


class AskOutput(Protocol):
    # The session the turn is saved under (None: not saved); set before the turn starts.
    session_id: str | None

    def event(self, event: Event) -> None:
        """One engine event, as it happens."""

    def warning(self, message: str) -> None:
        """Something the user should know that does not stop the turn (tool file problems)."""

    def failed(self, message: str, kind: str) -> None:
        """The turn could not start (configuration, usage); nothing else follows."""

    def interrupted(self, partial: str) -> None:
        """The user stopped the turn; `partial` is the reply text received so far."""

    def saved(self, session_id: str) -> None:
        """The turn is on disk as session `session_id`; said once, after everything else."""


class PlainOutput:
    """The reply streams to stdout as it arrives; everything else is one line on stderr."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, assume_yes: bool = False) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.assume_yes = assume_yes
        self.session_id: str | None = None
        self._mid_line = False  # stdout holds text not yet ended by a newline
        self._thinking_shown: set[str] = set()  # replies whose "thinking…" line was written

    def event(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._write_reply(event.text)
        elif isinstance(event, ReasoningDelta):
            # stdout is the answer (pipes); a person at a terminal gets one dim line per reply.
            if self.stderr.isatty() and event.message_id not in self._thinking_shown:
                self._thinking_shown.add(event.message_id)
                self._note("\x1b[2mthinking…\x1b[0m")
        elif isinstance(event, ToolCallCompleted):
            self._note(f"[tool] {event.call.name}({one_line(event.call.arguments)})")
        elif isinstance(event, ToolResultReady):
            self._note(self._describe_result(event))
        elif isinstance(event, RequestRetrying):
            self._note(f"tui-chat: {event.notice}")
        elif isinstance(event, TurnFailed):
            self._note(f"tui-chat: {event.message}")
        elif isinstance(event, TurnEnded):
            self._end_reply_line()

    def warning(self, message: str) -> None:
        self._note(f"tui-chat: warning: {message}")

    def failed(self, message: str, kind: str) -> None:
        self._note(f"tui-chat: {message}")

    def interrupted(self, partial: str) -> None:
        self._end_reply_line()
        self._note("tui-chat: interrupted")

    def saved(self, session_id: str) -> None:
        # Only for a person at a terminal: scripts get the id from --json or `tui-chat sessions`.
        if self.stderr.isatty():
            self._note(
                f"tui-chat: saved as session {session_id[:SHORT_ID]} (`tui-chat ask --continue` goes on)"
            )

    def _describe_result(self, result: ToolResultReady) -> str:
        if result.status == "ok":
            return f"[tool] {result.name} → {one_line(result.content)} ({result.duration:.1f}s)"
        if result.status == "refused":
            hint = "" if self.assume_yes else " (tools that ask first only run with --yes)"
            return f"[tool] {result.name} refused{hint}"
        return f"[tool] {result.name} failed: {one_line(result.content)}"

    def _write_reply(self, text: str) -> None:
        if not text:
            return
        self.stdout.write(text)
        self.stdout.flush()
        self._mid_line = not text.endswith("\n")

    def _end_reply_line(self) -> None:
        if self._mid_line:
            self.stdout.write("\n")
            self.stdout.flush()
            self._mid_line = False

    def _note(self, line: str) -> None:
        # On a terminal both streams share the screen: start the note on a fresh line.
        if self._mid_line and self.stdout.isatty():
            self._end_reply_line()
        self.stderr.write(line + "\n")
        self.stderr.flush()


class JsonLinesOutput:
    """One JSON object per line on stdout, `done` always last. Warnings stay on stderr."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.session_id: str | None = None
        # `done` carries how full the context of the next request is ({used, window, estimated}).
        self.context_of: Callable[[], dict[str, Any]] | None = None

    def event(self, event: Event) -> None:
        line = json_event(event)
        if line is not None:
            self._emit(line)

    def warning(self, message: str) -> None:
        self.stderr.write(f"tui-chat: warning: {message}\n")
        self.stderr.flush()

    def failed(self, message: str, kind: str) -> None:
        self._emit({"type": "error", "message": message, "kind": kind})
        self._emit({"type": "done", "content": "", "status": "error"})

    def interrupted(self, partial: str) -> None:
        self._emit({"type": "error", "message": "interrupted", "kind": "interrupted"})
        self._emit({"type": "done", "content": partial, "status": "interrupted"})

    def saved(self, session_id: str) -> None:
        pass  # already in the `done` event

    def _emit(self, obj: dict[str, Any]) -> None:
        if obj["type"] == "done" and self.session_id is not None:
            obj["session"] = self.session_id  # what `tui-chat ask --session ID` takes
        if obj["type"] == "done" and self.context_of is not None:
            obj["context"] = self.context_of()
        self.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.stdout.flush()


def json_event(event: Event) -> dict[str, Any] | None:
    """The JSON Lines shape of an engine event, or None for events `ask --json` leaves out."""
    if isinstance(event, TextDelta):
        return {"type": "text", "delta": event.text}
    if isinstance(event, ReasoningDelta):
        return {"type": "reasoning", "delta": event.text}
    if isinstance(event, ToolCallCompleted):
        call = event.call
        return {"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}
    if isinstance(event, ToolResultReady):
        return {
            "type": "tool_result",
            "id": event.id,
            "name": event.name,
            "ok": event.ok,
            "content": event.content,
            "status": event.status,
            "duration": round(event.duration, 3),
        }
    if isinstance(event, ResponseFinished):
        return {"type": "finish", "reason": event.finish_reason, "usage": event.usage}
    if isinstance(event, RequestRetrying):
        return {
            "type": "retrying",
            "attempt": event.attempt,
            "attempts": event.attempts,
            "delay": round(event.delay, 3),
            "reason": event.reason,
        }
    if isinstance(event, TurnFailed):
        return {"type": "error", "message": event.message, "kind": event.kind}
    if isinstance(event, TurnEnded):
        return {"type": "done", "content": event.content, "status": event.status}
    return None


def one_line(text: str, width: int = _NOTE_WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
