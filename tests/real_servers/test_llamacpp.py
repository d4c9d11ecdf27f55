"""tui-chat against a real llama.cpp server (llama-cpp-python, SmolLM2-135M-Instruct, chatml
function calling, one thread): what it really sends, and that the engine, the assembler and
`doctor` cope with it. Opt-in: `./scripts/check --real-servers` (marker real_server)."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.commands.helpers import run_cli, write_config
from tests.real_servers.conftest import RealServer
from tui_chat.doctor.probes import NAMED_CHOICE, PLAIN_PROMPT, TOOL_PROMPT, ChatProbe, Prober
from tui_chat.engine.assembler import StreamAssembler
from tui_chat.engine.events import ToolCallArgumentsDelta, ToolCallStarted
from tui_chat.engine.stream import completion_as_chunks

pytestmark = pytest.mark.real_server

_TIMEOUT = 120.0  # one CPU thread; SmolLM2-135M is quick, but a loaded machine is not


async def _probe(server: RealServer, name: str, prompt: str, **options: Any) -> ChatProbe:
    async with openai.AsyncOpenAI(base_url=server.url, api_key="no-key-needed", max_retries=0) as client:
        prober = Prober(client, server.model, timeout=_TIMEOUT, api_key=None)
        probe = await prober.chat(name, prompt, temperature=0.0, **options)
    assert probe.error is None, probe.error
    return probe


def _chunks(probe: ChatProbe) -> list[Any]:
    data = [line[5:].strip() for line in probe.raw_lines if line.startswith("data:")]
    return [json.loads(d) for d in data if d != "[DONE]"]


def test_ask_with_tools_offered_gets_a_text_answer(
    capsys: pytest.CaptureFixture[str], llama_server: RealServer
) -> None:
    # The engine leaves tool_choice to the model, and this model then answers in text.
    write_config("temperature = 0\n")
    run = run_cli(
        capsys,
        "ask", "--base-url", llama_server.url, "--model", llama_server.model,
        "--no-mcp", "--no-save", "--json", "--timeout", str(_TIMEOUT),
        "What is the weather in Paris?",
    )  # fmt: skip
    assert run.code == 0, run.err
    types = run.types()
    assert "tool_call" not in types and "text" in types
    assert run.events()[-1]["status"] == "answered"


def test_ask_streams_a_plain_reply(capsys: pytest.CaptureFixture[str], llama_server: RealServer) -> None:
    run = run_cli(
        capsys,
        "ask", "--base-url", llama_server.url, "--model", llama_server.model,
        "--no-tools", "--no-mcp", "--no-save", "--json", "--timeout", str(_TIMEOUT),
        "Say hello in one short sentence.",
    )  # fmt: skip
    assert run.code == 0, run.err
    events = run.events()
    texts = [e["delta"] for e in events if e["type"] == "text"]
    assert len(texts) > 1, "the reply should arrive in several pieces"
    assert events[-1]["type"] == "done" and events[-1]["status"] == "answered"
    assert events[-1]["content"].strip() == "".join(texts).strip()


async def test_the_stream_carries_no_usage_even_when_asked(llama_server: RealServer) -> None:
    probe = await _probe(llama_server, "stream", PLAIN_PROMPT)
    assert probe.stream_options_sent and not probe.stream_options_rejected  # accepted, then ignored
    assert probe.usage is None
    assert probe.done and probe.finish_reasons


async def test_tool_choice_left_to_the_model_gets_text(llama_server: RealServer) -> None:
    probe = await _probe(llama_server, "tools", TOOL_PROMPT, tools=True)
    assert probe.tool_deltas == []
    assert probe.content.strip()


async def test_a_named_tool_choice_streams_the_call_with_id_and_name_on_every_delta(
    llama_server: RealServer,
) -> None:
    probe = await _probe(llama_server, "tools", TOOL_PROMPT, tools=True, tool_choice=NAMED_CHOICE)
    deltas = probe.tool_deltas
    assert len(deltas) > 1, "the arguments should arrive in fragments"
    assert all(d.id and d.name == "get_weather" for d in deltas), deltas
    assert len({d.id for d in deltas}) == 1

    # The assembler makes one call of it, with the fragments joined once, not the name repeated.
    assembler = StreamAssembler("m")
    events = [event for chunk in _chunks(probe) for event in assembler.feed(chunk)]
    calls = assembler.tool_calls
    assert [(c.id, c.name) for c in calls] == [(deltas[0].id, "get_weather")]
    assert calls[0].arguments == "".join(d.arguments for d in deltas)
    assert isinstance(json.loads(calls[0].arguments), dict)
    assert len([e for e in events if isinstance(e, ToolCallStarted)]) == 1
    streamed = "".join(e.delta for e in events if isinstance(e, ToolCallArgumentsDelta))
    assert streamed == calls[0].arguments


def test_doctor_describes_the_server(capsys: pytest.CaptureFixture[str], llama_server: RealServer) -> None:
    run = run_cli(
        capsys, "doctor", "--base-url", llama_server.url, "--probe-timeout", str(_TIMEOUT), "--json"
    )
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["model"] == llama_server.model  # the only model it lists, found without --model
    found = report["quirks"]
    assert found["stream_options"] is True
    assert found["usage_reported"] is False
    assert found["done_sent"] is True
    assert found["tool_calls"] == "repeated"
    assert found["function_call_mirrored"] is True
    assert found["parallel_tool_calls"] is None  # with tool_choice left to it, the model answers in text
    assert found["context_window"] is None  # llama-cpp-python has no /props (llama-server does)
    assert found["reasoning"] is None
    assert report["adaptations"] == []


async def test_an_unstreamed_tool_call_is_one_call_with_usage(llama_server: RealServer) -> None:
    # What the engine asks for on a server whose tool calls cannot stream: the whole reply.
    probe = await _probe(
        llama_server, "tools-unstreamed", TOOL_PROMPT, tools=True, tool_choice=NAMED_CHOICE, stream=False
    )
    assert probe.function_call_mirrored  # message.function_call beside message.tool_calls here too
    body = json.loads(probe.raw_lines[0])
    assembler = StreamAssembler("m")
    for chunk in completion_as_chunks(body):
        assembler.feed(chunk)
    (call,) = assembler.tool_calls
    assert call.name == "get_weather" and isinstance(json.loads(call.arguments), dict)
    assert assembler.finish_reason == "tool_calls"
    assert assembler.usage is not None and assembler.usage["total_tokens"] > 0  # unlike the stream
