"""Run the probes in order and read what they found: which checks pass, and the quirks the
engine should adapt to (engine/quirks.py). UI-free; commands/doctor.py prints the result."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import openai

from tui_chat.doctor.probes import (
    NAMED_CHOICE,
    PARALLEL_PROMPT,
    PLAIN_PROMPT,
    TOOL_PROMPT,
    ChatProbe,
    ContextProbe,
    ModelsProbe,
    Prober,
)
from tui_chat.engine.quirks import ServerQuirks, ToolCallShape

PROBE_NAMES = ("stream", "tools", "tools-unstreamed", "parallel")


@dataclass
class Check:
    name: str
    result: str
    ok: bool | None = None  # None: neither good nor bad, just a fact


@dataclass
class Diagnosis:
    base_url: str
    model: str
    models: ModelsProbe
    probes: dict[str, ChatProbe] = field(default_factory=dict)
    context: ContextProbe = field(default_factory=ContextProbe)
    quirks: ServerQuirks | None = None  # None when the server could not be probed far enough
    fatal: str | None = None  # the one-line reason the probing stopped early
    named_choice_refused: bool = False

    @property
    def exit_ok(self) -> bool:
        return self.fatal is None and self.quirks is not None

    def checks(self) -> list[Check]:
        return _checks(self)


async def diagnose(
    client: openai.AsyncOpenAI,
    model: str,
    *,
    model_given: bool,
    timeout: float,
    api_key: str | None,
    probe_context: bool = True,
) -> Diagnosis:
    """Probe the server behind `client`. With `model_given` False, a model the server does not
    list is swapped for the first one it does (the configured default rarely exists locally)."""
    prober = Prober(client, model, timeout=timeout, api_key=api_key)
    models = await prober.models()
    diagnosis = Diagnosis(str(client.base_url).rstrip("/"), model, models)
    if models.error is not None and models.error.kind in ("connection", "timeout", "auth"):
        diagnosis.fatal = models.error.message
        return diagnosis
    if not model_given and models.models and model not in models.models:
        prober.model = diagnosis.model = models.models[0]

    plain = diagnosis.probes["stream"] = await prober.chat("stream", PLAIN_PROMPT)
    if plain.error is not None:
        diagnosis.fatal = plain.error.message
        return diagnosis
    stream_options = not plain.stream_options_rejected

    tools = await prober.chat(
        "tools", TOOL_PROMPT, tools=True, tool_choice=NAMED_CHOICE, stream_options=stream_options
    )
    if tools.error is not None and tools.error.status in (400, 422):
        # Some servers refuse a named tool_choice; let the model choose instead.
        diagnosis.named_choice_refused = True
        tools = await prober.chat("tools", TOOL_PROMPT, tools=True, stream_options=stream_options)
    diagnosis.probes["tools"] = tools
    unstreamed_only = False
    if tools.ok and not tools.tool_deltas:
        choice = None if diagnosis.named_choice_refused else NAMED_CHOICE
        whole = diagnosis.probes["tools-unstreamed"] = await prober.chat(
            "tools-unstreamed", TOOL_PROMPT, tools=True, tool_choice=choice, stream=False
        )
        unstreamed_only = whole.ok and bool(whole.tool_deltas)
    diagnosis.probes["parallel"] = await prober.chat(
        "parallel", PARALLEL_PROMPT, tools=True, stream=not unstreamed_only, stream_options=stream_options
    )
    if probe_context:
        diagnosis.context = await prober.context_window(models.raw)
    diagnosis.quirks = _quirks(diagnosis, unstreamed_only)
    return diagnosis


def tool_call_shape(probe: ChatProbe) -> ToolCallShape:
    """standard: id and name on a call's first delta only; repeated: on its later ones too."""
    if not probe.tool_deltas:
        return "none"
    started: set[object] = set()
    for delta in probe.tool_deltas:
        slot = delta.index if delta.index is not None else 0
        if slot in started and (delta.id or delta.name):
            return "repeated"
        if delta.id or delta.name:
            started.add(slot)
    return "standard"


def _quirks(d: Diagnosis, unstreamed_only: bool) -> ServerQuirks:
    plain = d.probes["stream"]
    tools = d.probes.get("tools")
    parallel = d.probes.get("parallel")
    shape: ToolCallShape | None = None
    if unstreamed_only:
        shape = "not_streamed"
    elif tools is not None and tools.ok:
        shape = tool_call_shape(tools)
    calls = len(parallel.call_ids()) if parallel is not None and parallel.ok else 0
    reasons: list[str] = []
    for probe in d.probes.values():
        reasons += [r for r in probe.finish_reasons if r not in reasons]
    return ServerQuirks(
        stream_options=not plain.stream_options_rejected,
        usage_reported=plain.usage is not None,
        done_sent=plain.done,
        tool_calls=shape,
        function_call_mirrored=tools.function_call_mirrored if tools is not None and tools.ok else None,
        parallel_tool_calls=True if calls >= 2 else (False if calls == 1 else None),
        reasoning=_reasoning(plain),
        finish_reasons=reasons,
        context_window=d.context.tokens,
        server=d.context.server,
        checked_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        source="doctor",
    )


def _reasoning(plain: ChatProbe) -> Any:
    if plain.reasoning_fields:
        return plain.reasoning_fields[0]
    if plain.content.lstrip().startswith("<think>"):
        return "think_tag"
    return None


def _yes_no(flag: bool | None, yes: str = "yes", no: str = "no") -> str:
    return "unknown" if flag is None else (yes if flag else no)


def _checks(d: Diagnosis) -> list[Check]:
    models = d.models
    rows: list[Check] = []
    if models.error is not None and models.error.kind in ("connection", "timeout"):
        rows.append(Check("reachable", f"no: {models.error.message}", False))
        return rows
    rows.append(Check("reachable", "yes", True))
    plain = d.probes.get("stream")
    auth_failed = (models.error is not None and models.error.kind == "auth") or (
        plain is not None and plain.error is not None and plain.error.kind == "auth"
    )
    rows.append(
        Check("authenticated", "no: the server refused the key" if auth_failed else "yes", not auth_failed)
    )
    if models.error is not None:
        rows.append(Check("models listed", f"no: {models.error.message}", None))
    else:
        listed = ", ".join(models.models[:5]) + (
            f" and {len(models.models) - 5} more" if len(models.models) > 5 else ""
        )
        rows.append(
            Check("models listed", f"{len(models.models)}: {listed}" if models.models else "none", None)
        )
    if plain is None or auth_failed:
        return rows
    if plain.error is not None:
        rows.append(Check("streaming works", f"no: {plain.error.message}", False))
        return rows
    rows.append(Check("streaming works", f"yes ({plain.chunks} chunks, {plain.seconds:.1f} s)", True))
    rows.append(Check("[DONE] sent", _yes_no(plain.done), plain.done))
    rows.append(
        Check(
            "stream_options",
            "refused (400/422): the engine leaves it out" if plain.stream_options_rejected else "accepted",
            not plain.stream_options_rejected,
        )
    )
    rows.append(Check("usage reported", _usage_text(plain), plain.usage is not None))
    rows += _tool_checks(d)
    quirks = d.quirks
    reasoning = quirks.reasoning if quirks is not None else None
    rows.append(Check("reasoning field", reasoning or "none seen", None))
    rows.append(
        Check(
            "finish reasons",
            ", ".join(quirks.finish_reasons) if quirks and quirks.finish_reasons else "none",
            None,
        )
    )
    context = f"{d.context.tokens} tokens ({d.context.source})" if d.context.tokens else "not reported"
    rows.append(Check("context window", context, None))
    return rows


def _usage_text(plain: ChatProbe) -> str:
    if plain.usage is None:
        return "no" + (" (asked with stream_options.include_usage)" if plain.stream_options_sent else "")
    total = plain.usage.get("total_tokens")
    return f"yes ({total} tokens)" if total is not None else "yes"


def _tool_checks(d: Diagnosis) -> list[Check]:
    rows: list[Check] = []
    tools = d.probes.get("tools")
    if tools is None:
        return rows
    how = "tool_choice left to the model" if d.named_choice_refused else "tool_choice naming the function"
    if tools.error is not None:
        rows.append(Check("tool calls streamed", f"failed: {tools.error.message}", False))
    else:
        shape = tool_call_shape(tools)
        text = {
            "standard": f"yes, standard shape: id and name first, then argument fragments by index ({how})",
            "repeated": f"yes, but id and name repeated on every delta ({how}); the engine copes",
            "none": f"no tool call came back ({how})",
            "not_streamed": "",
        }[shape]
        if tools.function_call_mirrored:
            text += "; each fragment also sent as the legacy function_call (counted once)"
        rows.append(Check("tool calls streamed", text, shape != "none"))
    unstreamed = d.probes.get("tools-unstreamed")
    if unstreamed is not None:
        only = unstreamed.ok and bool(unstreamed.tool_deltas)
        text = (
            "yes: the engine asks without streaming when tools are offered"
            if only
            else "no tool call either way"
        )
        rows.append(Check("tool calls only unstreamed", text, not only))
    elif tools.ok:
        rows.append(Check("tool calls only unstreamed", "no", True))
    parallel = d.probes.get("parallel")
    if parallel is not None:
        rows.append(Check("parallel calls", _parallel_text(parallel), None))
    return rows


def _parallel_text(parallel: ChatProbe) -> str:
    if parallel.error is not None:
        return f"failed: {parallel.error.message}"
    ids = parallel.call_ids()
    if not ids:
        return "no tool call with tool_choice left to the model (it answered in text)"
    if len(ids) == 1:
        return "one call only (asked for two cities)"
    indexes = {delta.index for delta in parallel.tool_deltas if delta.index is not None}
    note = ", every call at index 0" if indexes == {0} and parallel.streamed else ""
    return f"yes, {len(ids)} calls in one response{note}"
