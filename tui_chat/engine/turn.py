"""The turn loop: stream a reply, run the tool calls it asked for, ask again, until an answer.

Cancellation contract: if the consuming task is cancelled (or the event iterator is closed)
the HTTP stream closes at once, the partial reply is kept with status "interrupted" and
status_detail "stopped", every requested tool call without a result gets a "stopped" tool
message (so the conversation stays valid for the API), and CancelledError propagates. No
events are yielded after cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.context_budget import ContextBudget, measure
from tui_chat.engine.context_window import ContextWindow, ModelCatalog
from tui_chat.engine.conversation import Conversation, Message, ReplyTiming, ToolActivity, ToolCall
from tui_chat.engine.errors import ErrorContext, describe_error, image_refused, sent_images
from tui_chat.engine.events import (
    ErrorKind,
    Event,
    MessageAdded,
    RequestRetrying,
    ResponseFinished,
    ToolCallCompleted,
    ToolExecutionStarted,
    ToolResultReady,
    TurnEnded,
    TurnFailed,
)
from tui_chat.tools.registry import ToolOutcome, ToolRegistry

if TYPE_CHECKING:
    import openai

    from tui_chat.engine.model_choice import ModelChoice
    from tui_chat.engine.stream import ServerAdaptations

Confirm = Callable[[ToolCall], Awaitable[bool]]  # True = run it, False = refuse

ResultStatus = Literal["ok", "error", "refused", "stopped"]

STOPPED = "stopped"
CANCELLED_TOOL_RESULT = "The user stopped the turn before this call finished; there is no result."
_CUT_OFF_REASONS = {
    "length": "it reached the maximum length (finish_reason 'length'); ask for a shorter answer",
    "content_filter": "the provider's content filter stopped it (finish_reason 'content_filter')",
}


@dataclass
class TurnOptions:
    model: str
    temperature: float | None = None
    max_tool_rounds: int = 10
    legacy_functions: bool = False
    use_tools: bool = True
    # `model` empty: none configured; the first turn takes the server's only model, else it is
    # refused with this advice (which setting names the model; factory.py fills it in).
    model_advice: str = "set the model, or pass --model NAME"


class _ReplyFailed(Exception):
    def __init__(self, kind: ErrorKind, text: str) -> None:
        super().__init__(text)
        self.kind, self.text = kind, text


@dataclass
class _Decision:
    call: ToolCall
    allowed: bool
    refusal: str = ""  # what the model is told when not allowed
    status: ResultStatus = "refused"  # the result's status when not allowed


class ChatEngine:
    def __init__(
        self,
        client: openai.AsyncOpenAI | Callable[[], openai.AsyncOpenAI],
        tools: ToolRegistry | None,
        options: TurnOptions,
    ) -> None:
        """`client` may be a function that makes one: it is then called on first use, so a
        caller that starts fast (the app) does not import the SDK before it needs it."""
        self._client = None if callable(client) else client
        self._connect = client if callable(client) else None
        self._connecting = threading.Lock()  # prepare() may run in another thread
        self.tools = tools
        self.options = options  # mutable: the UI switches model between turns
        self.models = ModelCatalog()  # context windows and prices (factory fills it from settings)
        self._adapt: ServerAdaptations | None = None  # made with the first request
        self._prepared = False  # prepare() has run (in a thread, or by the first request)

    @property
    def client(self) -> openai.AsyncOpenAI:
        with self._connecting:
            if self._client is None:
                assert self._connect is not None
                self._client = self._connect()
            return self._client

    def prepare(self) -> None:
        """Import the SDK and make the client now (about a second, mostly imports and the TLS
        context), so the first request does not wait for them. Safe to run in a thread."""
        import tui_chat.engine.retries
        import tui_chat.engine.stream  # noqa: F401  (imports openai)

        # The chat resource and its streaming wrappers are imported on first use: now, too.
        _ = self.client.with_options(max_retries=0).chat.completions.with_streaming_response
        self._prepared = True

    @property
    def adaptations(self) -> list[str]:
        """What this engine does differently for the current server and model because of what
        it learned (from `tui-chat doctor` or by failing), in short words for a status bar,
        e.g. ["no stream_options", "tools without streaming"]. Empty while there is no client
        yet (the app makes it on first use), so asking never imports the SDK."""
        if self._client is None:
            return []
        if self._adapt is None:
            from tui_chat.engine.stream import ServerAdaptations

            self._adapt = ServerAdaptations()
        return self._adapt.active(str(self._client.base_url), self.options.model)

    @property
    def has_client(self) -> bool:
        """Whether the client exists yet (closing an engine that never sent needs nothing)."""
        return self._client is not None

    async def run_turn(
        self, conversation: Conversation, *, confirm: Confirm | None = None
    ) -> AsyncGenerator[Event, None]:
        """Run one turn; the caller has already appended the user message."""
        reply: Message | None = None
        pending: list[ToolCall] = []  # calls attached to `reply` still without a result
        if not self.options.model:
            chosen = await self._choose_model()
            if chosen.model is None:
                yield TurnFailed(chosen.kind, chosen.message)
                yield TurnEnded("", "error")
                return
            self.options.model = conversation.model = chosen.model
        try:
            for round_number in itertools.count(1):
                reply = Message(role="assistant", status="streaming", model=self.options.model)
                yield MessageAdded(conversation.add(reply))
                assembler = StreamAssembler(reply.id)
                response = self._stream_reply(conversation, reply, assembler)
                try:
                    async with contextlib.aclosing(response) as events:
                        async for event in events:
                            yield event
                except _ReplyFailed as failed:
                    reply.status = "interrupted" if failed.kind == "cut_off" else "error"
                    reply.status_detail = failed.text
                    yield TurnFailed(failed.kind, failed.text)
                    yield TurnEnded(reply.content or "", "cut_off" if failed.kind == "cut_off" else "error")
                    return

                calls = self._usable_calls(assembler.tool_calls)
                over_limit = bool(calls) and round_number > self.options.max_tool_rounds
                # The message takes its final shape before ResponseFinished, so a checkpoint then is right.
                reply.status = "error" if over_limit else "complete"
                if calls and not over_limit:
                    reply.tool_calls, pending = calls, list(calls)
                for call in calls:
                    yield ToolCallCompleted(call)
                yield ResponseFinished(reply.id, assembler.finish_reason, assembler.usage)
                if not calls:
                    yield TurnEnded(reply.content or "", "answered")
                    return
                if over_limit:
                    reply.status_detail = self._too_many_rounds()
                    yield TurnFailed("too_many_rounds", reply.status_detail)
                    yield TurnEnded(reply.content or "", "cut_off")
                    return
                async with contextlib.aclosing(self._run_tools(conversation, pending, confirm)) as events:
                    async for event in events:
                        yield event
        except (asyncio.CancelledError, GeneratorExit):
            _mark_stopped(conversation, reply, pending)
            raise

    async def _stream_reply(
        self, conversation: Conversation, reply: Message, assembler: StreamAssembler
    ) -> AsyncGenerator[Event, None]:
        """One request, streamed into `reply`. Any failure is raised as _ReplyFailed."""
        # The SDK is imported with the first request, not when the engine is built; in a
        # thread, so a request sent while the app's preload thread imports it waits without
        # freezing the event loop (the import lock or the client's would block it).
        if not self._prepared:
            await asyncio.to_thread(self.prepare)
        from tui_chat.engine.retries import retry_for
        from tui_chat.engine.stream import ServerAdaptations, open_stream, stream_events

        streaming = False
        if self._adapt is None:
            self._adapt = ServerAdaptations()
        sent = time.monotonic()
        first: float | None = None  # one comparison per event: the meter's only streaming cost
        try:
            # We retry, not the SDK, so the wait is an event the user sees ("rate limited, ...").
            max_retries = self.client.max_retries
            client = self.client.with_options(max_retries=0)
            for retries_taken in itertools.count():
                try:
                    stream = await open_stream(client, self._request(conversation), self._adapt)
                    break
                except Exception as exc:
                    retry = retry_for(exc, retries_taken, max_retries)
                    if retry is None:
                        raise
                    yield RequestRetrying(reply.id, retries_taken + 1, max_retries, retry.delay, retry.reason)
                    await asyncio.sleep(retry.delay)
            streaming = True
            async with contextlib.aclosing(stream_events(stream, assembler)) as events:
                async for event in events:
                    if first is None:
                        first = time.monotonic()
                    reply.content, reply.reasoning = assembler.content, assembler.reasoning
                    yield event
            reply.timing = ReplyTiming(sent, first, time.monotonic())
            reply.content, reply.usage = assembler.content, assembler.usage
            reply.reasoning = assembler.reasoning
            cut_off = _cut_off_reason(assembler.finish_reason)
        except Exception as exc:  # cancellation is not an Exception: it propagates untouched
            reply.content, reply.reasoning = assembler.content, assembler.reasoning
            kind, text = describe_error(exc, self._error_context(streaming))
            if kind == "bad_request" and (images := sent_images(conversation)):
                text = image_refused(images, text)
            raise _ReplyFailed(kind, text) from exc
        if cut_off:  # the response itself finished, so it is reported like any other
            yield ResponseFinished(reply.id, assembler.finish_reason, assembler.usage)
            raise _ReplyFailed("cut_off", f"The reply was cut off: {cut_off}.")

    async def _choose_model(self) -> ModelChoice:
        if not self._prepared:
            await asyncio.to_thread(self.prepare)
        from tui_chat.engine.model_choice import choose_model

        return await choose_model(self.client, self.options.model_advice)

    def _too_many_rounds(self) -> str:
        return (
            f"Stopped after {self.options.max_tool_rounds} rounds of tool calls: the model kept asking "
            "for more. Ask again more specifically, or raise max_tool_rounds."
        )

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The tool definitions the next request offers (they count against the context)."""
        if not self.options.use_tools or self.tools is None:
            return []
        if self.options.legacy_functions:
            return list(self.tools.legacy_functions())
        return list(self.tools.openai_tools())

    def context_window(self) -> ContextWindow:
        base_url = str(self._client.base_url) if self._client is not None else None
        return self.models.window(self.options.model, base_url)

    def context_budget(self, conversation: Conversation, pending: str | None = None) -> ContextBudget:
        """How full the next request's context is (`pending`: a prompt not yet added)."""
        return measure(conversation, self.context_window(), tool_schemas=self.tool_schemas(), pending=pending)

    def _request(self, conversation: Conversation) -> dict[str, Any]:
        legacy = self.options.legacy_functions
        params: dict[str, Any] = {
            "model": self.options.model,
            "messages": conversation.to_api(legacy_functions=legacy),
        }
        if self.options.temperature is not None:
            params["temperature"] = self.options.temperature
        if self.options.use_tools and self.tools is not None:
            if legacy and (functions := self.tools.legacy_functions()):
                params["functions"] = functions
                params["function_call"] = "auto"
            elif not legacy and (tools := self.tools.openai_tools()):
                params["tools"] = tools
        return params

    def _usable_calls(self, calls: list[ToolCall]) -> list[ToolCall]:
        # The legacy API has one call per response; the conversation can only carry that one.
        return calls[:1] if self.options.legacy_functions else calls

    def _error_context(self, streaming: bool) -> ErrorContext:
        timeout = self.client.timeout
        read = getattr(timeout, "read", timeout)
        return ErrorContext(
            model=self.options.model,
            base_url=str(self.client.base_url),
            read_timeout=read if isinstance(read, int | float) else None,
            api_key=self.client.api_key or None,
            streaming=streaming,
        )

    async def _run_tools(
        self, conversation: Conversation, pending: list[ToolCall], confirm: Confirm | None
    ) -> AsyncGenerator[Event, None]:
        """Decide each call in order, run the allowed ones concurrently, report in call order.
        `pending` shrinks as results land, so a cancellation knows what is still unanswered."""
        decisions = [await self._decide(call, confirm) for call in list(pending)]
        # By position, not by id: servers reuse ids, so an id names a call only with its place.
        tasks: dict[int, asyncio.Task[ToolOutcome]] = {}
        for position, d in enumerate(decisions):
            if d.allowed:
                yield ToolExecutionStarted(d.call.id, d.call.name)
                tasks[position] = asyncio.create_task(self._execute(d.call))
        try:
            for position, d in enumerate(decisions):
                status: ResultStatus = d.status
                content, duration = d.refusal, 0.0
                if d.allowed:
                    outcome = await tasks[position]
                    status, content, duration = outcome.status, outcome.content, outcome.duration
                server = self._server_of(d.call.name)
                message = conversation.add(_tool_message(d.call, status, content, duration, server))
                pending.remove(d.call)
                yield MessageAdded(message)
                yield ToolResultReady(d.call.id, d.call.name, status, content, duration, message.id)
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _decide(self, call: ToolCall, confirm: Confirm | None) -> _Decision:
        if not self.options.use_tools or self.tools is None:
            return _Decision(call, False, "Tools are turned off in this client; the call was not run.")
        # An unknown tool reads as "always": the registry answers that it does not exist.
        policy = self.tools.policy(call.name)
        if policy == "always":
            return _Decision(call, True)
        if policy == "never":
            return _Decision(call, False, f"The user does not allow {call.name!r}; it was not run.")
        # A call that cannot run (arguments not JSON, against the schema) is not worth asking
        # about: the model gets the problem at once and can send it again, fixed.
        problem = self.tools.argument_problem(call.name, call.arguments)
        if problem:
            return _Decision(call, False, problem, status="error")
        if confirm is not None and await _ask(confirm, call):
            return _Decision(call, True)
        return _Decision(call, False, f"The user did not allow running {call.name!r}; it was not run.")

    def _server_of(self, name: str) -> str | None:
        spec = self.tools.get(name) if self.tools is not None else None
        return spec.server if spec is not None else None

    async def _execute(self, call: ToolCall) -> ToolOutcome:
        assert self.tools is not None
        return await self.tools.execute(call.name, call.arguments)


async def _ask(confirm: Confirm, call: ToolCall) -> bool:
    try:
        return bool(await confirm(call))
    except Exception:  # a broken prompt must not run the tool, nor end the turn
        return False


def _cut_off_reason(finish_reason: str | None) -> str | None:
    return _CUT_OFF_REASONS.get(finish_reason or "")


def _tool_message(
    call: ToolCall, status: ResultStatus, content: str, duration: float, server: str | None = None
) -> Message:
    activity = ToolActivity(
        status=status,
        duration=duration,
        arguments=call.arguments,
        error=content if status != "ok" else None,
        server=server,
    )
    return Message(role="tool", content=content, tool_call_id=call.id, name=call.name, activity=activity)


def _mark_stopped(conversation: Conversation, reply: Message | None, pending: list[ToolCall]) -> None:
    """Leave a conversation the API will accept after a cancellation, with the partial text kept."""
    if reply is not None and reply.status == "streaming":
        reply.status = "interrupted"
        reply.status_detail = STOPPED
    for call in pending:
        conversation.add(_tool_message(call, "stopped", CANCELLED_TOOL_RESULT, 0.0))
    pending.clear()
