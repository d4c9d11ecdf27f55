"""Assemble one streamed chat completion from its chunks, tolerating what real servers send.

Pure: feed it the chunks as parsed JSON (plain dicts, see stream.py); it keeps the text, the
tool calls, the finish reason and the usage, and returns the events each chunk produced. We do
not use the SDK's `ChatCompletionStreamState`, which breaks on several servers (see issue 2).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.conversation import ToolCall
from tui_chat.engine.events import Event, ReasoningDelta, TextDelta, ToolCallArgumentsDelta, ToolCallStarted

_LEGACY_SLOT = "function_call"
# Non-standard delta fields carrying a reasoning model's thinking: vLLM/DeepSeek send
# `reasoning_content`, Ollama and OpenRouter `reasoning`.
_REASONING_FIELDS = ("reasoning_content", "reasoning")


def field_of(obj: Any, name: str) -> Any:
    """A field of a JSON object; None when missing or when `obj` is not an object at all
    (servers omit things freely, and send null or the wrong type now and then)."""
    return obj.get(name) if isinstance(obj, dict) else None


def generate_call_id() -> str:
    # OpenAI's own ids are at most 40 characters; some servers reject longer ones.
    return "call_" + uuid.uuid4().hex[:24]


@dataclass
class _Call:
    id: str
    name: str = ""
    arguments: str = ""
    announced: bool = False  # ToolCallStarted was emitted


class StreamAssembler:
    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        self.content = ""
        self.reasoning = ""
        # The last non-empty finish reason seen; later chunks without one never reset it.
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.chunk_count = 0
        self._calls: list[_Call] = []
        # The call each index slot is currently filling (None = the server sent no index).
        self._slots: dict[object, _Call] = {}
        self._tool_calls_seen = False

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Calls that got a function name, in the order they started."""
        return [ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in self._calls if c.name]

    def feed(self, chunk: Any) -> list[Event]:
        self.chunk_count += 1
        usage = field_of(chunk, "usage")
        if isinstance(usage, dict):  # nulls dropped, as the SDK's model dump did
            self.usage = {k: v for k, v in usage.items() if v is not None}
        events: list[Event] = []
        choices = field_of(chunk, "choices") or []
        for choice in choices:
            # n > 1 is never requested: stray alternatives are ignored. A chunk's only choice is
            # the reply whatever its index (old Text Generation Inference counts it 1, 2, 3...).
            if len(choices) > 1 and field_of(choice, "index") not in (0, None):
                continue
            finish = field_of(choice, "finish_reason")
            if finish:
                self.finish_reason = finish
            delta = field_of(choice, "delta")
            if delta is None:
                continue  # Azure annotation chunks carry no delta
            reasoning = _reasoning_of(delta)
            if reasoning:
                self.reasoning += reasoning
                events.append(ReasoningDelta(self.message_id, reasoning))
            content = field_of(delta, "content")
            if isinstance(content, str) and content:
                self.content += content
                events.append(TextDelta(self.message_id, content))
            tool_deltas = field_of(delta, "tool_calls") or []
            for tool_delta in tool_deltas:
                events += self._feed_tool_delta(tool_delta)
            self._tool_calls_seen = self._tool_calls_seen or bool(tool_deltas)
            function_call = field_of(delta, "function_call")
            # llama-cpp-python mirrors every tool-call delta into the legacy field as well; one
            # call must not become two, so `function_call` counts only in a stream without tool_calls.
            if function_call is not None and not self._tool_calls_seen:
                events += self._feed_function_call(function_call)
        return events

    def _feed_tool_delta(self, tool_delta: Any) -> list[Event]:
        index = field_of(tool_delta, "index")
        slot: object = index if isinstance(index, int) else None
        call_id = field_of(tool_delta, "id") or ""
        function = field_of(tool_delta, "function")
        name = field_of(function, "name") or ""
        call = self._call_for(slot, call_id, name)
        return self._update(call, name, field_of(function, "arguments"))

    def _feed_function_call(self, function_call: Any) -> list[Event]:
        name = field_of(function_call, "name") or ""
        call = self._slots.get(_LEGACY_SLOT)
        if call is None:
            call = self._start(_LEGACY_SLOT, "")
        return self._update(call, name, field_of(function_call, "arguments"))

    def _call_for(self, slot: object, call_id: str, name: str) -> _Call:
        if call_id:
            for call in self._calls:
                if call.id == call_id:  # servers that repeat the id on every chunk
                    self._slots[slot] = call
                    return call
        current = self._slots.get(slot)
        if current is None and slot is None and not call_id and not name and self._calls:
            current = self._calls[-1]  # an index-less fragment continues the latest call
        # A new call starts only when a different id *and* a function name arrive together;
        # an id that changes mid-call without a name is the same call.
        if current is None or (call_id and name and call_id != current.id):
            return self._start(slot, call_id)
        return current

    def _start(self, slot: object, call_id: str) -> _Call:
        call = _Call(id=call_id or generate_call_id())
        self._calls.append(call)
        self._slots[slot] = call
        return call

    def _update(self, call: _Call, name: str, arguments: Any) -> list[Event]:
        events: list[Event] = []
        if name and not call.name:
            call.name = name  # repeated names are not concatenated
        piece = _arguments_text(arguments)
        if isinstance(arguments, dict | list):
            call.arguments = piece  # a whole JSON object replaces, it is not a fragment
        else:
            call.arguments += piece
        if call.name and not call.announced:
            call.announced = True
            index = self._calls.index(call)
            events.append(ToolCallStarted(self.message_id, index, call.id, call.name))
            if call.arguments:  # fragments that arrived before the name
                events.append(ToolCallArgumentsDelta(call.id, call.arguments))
        elif call.announced and piece:
            events.append(ToolCallArgumentsDelta(call.id, piece))
        return events


def _reasoning_of(delta: Any) -> str:
    for name in _REASONING_FIELDS:
        value = field_of(delta, name)
        if isinstance(value, str) and value:
            return value
    return ""


def _arguments_text(arguments: Any) -> str:
    if arguments is None:
        return ""
    if isinstance(arguments, str):
        return arguments
    # Some servers send the arguments as a JSON object; the API expects text.
    return json.dumps(arguments)
