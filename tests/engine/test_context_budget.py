"""The context budget: the window from config, the server (through `doctor`) or the built-in
table; the meter exact after a reply that reported usage and estimated otherwise; each server's
context-length error; timing and cost. Requests go through the real SDK to the fake server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

from tests.commands.helpers import run_cli
from tests.engine.support import API_KEY, conversation_with, failure, make_engine, run_turn
from tests.fakeserver import FAKE_CONTEXT_WINDOW, FakeServer
from tui_chat.engine import quirks
from tui_chat.engine.context_budget import (
    MESSAGE_OVERHEAD,
    compact_count,
    estimate_text,
    measure,
    meter_text,
    totals,
)
from tui_chat.engine.context_window import ContextWindow, ModelCatalog, Prices
from tui_chat.engine.conversation import Message


def test_config_patterns_come_first_then_the_built_in_table_then_unknown() -> None:
    catalog = ModelCatalog({"gpt-4o*": {"context_window": 64000}, "local-*": {"context_window": 4096}})
    assert catalog.window("gpt-4o-mini") == ContextWindow(64000, "config")
    assert catalog.window("local-qwen") == ContextWindow(4096, "config")
    assert catalog.window("gpt-4.1-nano") == ContextWindow(1_047_576, "built-in")
    assert catalog.window("Llama3.1:8b") == ContextWindow(131_072, "built-in")
    assert catalog.window("my-finetune") == ContextWindow(None, "unknown")


@pytest.mark.parametrize("mode", ["llamacpp_props", "ollama_show", "lmstudio_models", "vllm_max_model_len"])
def test_the_window_a_server_reported_to_doctor_is_used(
    capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    with FakeServer(quirks=[mode]) as server:
        assert run_cli(capsys, "doctor", "--base-url", server.url, "--model", "fake-model").code == 0
        window = ModelCatalog(base_url=server.url).window("fake-model")
    # Only Ollama cuts a long prompt silently: doctor told it by its /api/show, not its port.
    assert window == ContextWindow(FAKE_CONTEXT_WINDOW, "server", truncates=mode == "ollama_show")
    # The config still wins over what the server says.
    catalog = ModelCatalog({"fake-*": {"context_window": 1000}}, base_url=server.url)
    assert catalog.window("fake-model").tokens == 1000


@pytest.mark.parametrize(
    ("url", "server", "truncates"),
    [
        ("http://gpu-box:8080/v1", "ollama", True),  # a proxied Ollama: not its default port
        ("http://127.0.0.1:11434/v1", "llama.cpp", False),  # llama.cpp on Ollama's port
        ("http://127.0.0.1:11434/v1", None, True),  # saved by a doctor before it said
        ("http://gpu-box:8080/v1", None, False),
    ],
)
def test_the_truncation_warning_follows_what_doctor_found_the_server_to_be(
    tmp_path: Path, url: str, server: str | None, truncates: bool
) -> None:
    path = tmp_path / "quirks.json"
    quirks.save(url, "m", quirks.ServerQuirks(context_window=8192, server=server, source="doctor"), path)
    assert ModelCatalog(base_url=url, quirks_path=path).window("m").truncates is truncates


async def test_the_meter_is_exact_after_a_reply_with_usage_and_estimates_what_came_after(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    conversation = conversation_with("hello")
    window = ContextWindow(128_000, "config")
    before = measure(conversation, window)
    assert before.estimated and before.used == MESSAGE_OVERHEAD + estimate_text("hello")

    await run_turn(make_engine(api_client), conversation)
    reply = conversation.messages[-1]
    assert reply.usage is not None
    exact = measure(conversation, window)
    assert not exact.estimated
    assert exact.used == reply.usage["prompt_tokens"] + reply.usage["completion_tokens"]

    conversation.add(Message(role="user", content="x" * 400))
    after = measure(conversation, window)
    assert after.estimated and after.used == exact.used + MESSAGE_OVERHEAD + 100
    assert meter_text(after).startswith("ctx ~")


async def test_without_usage_everything_is_estimated(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeServer(quirks=["no_usage"]) as server:
        async with openai.AsyncOpenAI(base_url=server.url, api_key=API_KEY, max_retries=0) as client:
            conversation = conversation_with("hello")
            conversation.system_prompt = "Be brief."
            await run_turn(make_engine(client), conversation)
    assert conversation.messages[-1].usage is None
    budget = measure(conversation, ContextWindow(None, "unknown"))
    assert budget.estimated and budget.used > 0
    assert meter_text(budget) == f"ctx ~{budget.used}/?"


def test_tool_schemas_count_against_the_context() -> None:
    conversation = conversation_with("hi")
    schema: list[dict[str, Any]] = [{"type": "function", "function": {"name": "x" * 400}}]
    window = ContextWindow(1000, "config")
    assert measure(conversation, window, tool_schemas=schema).used > measure(conversation, window).used + 100


def test_levels_and_the_meter_text() -> None:
    conversation = conversation_with("hi")
    conversation.add(
        Message(role="assistant", content="ok", usage={"prompt_tokens": 12_000, "completion_tokens": 400})
    )
    budget = measure(conversation, ContextWindow(128_000, "config"))
    assert meter_text(budget) == "ctx 12.4k/128k 10%"
    assert budget.level == "ok"
    assert measure(conversation, ContextWindow(16_000, "config")).level == "warn"
    assert measure(conversation, ContextWindow(13_000, "config")).level == "danger"
    assert measure(conversation, ContextWindow(12_000, "config")).overflows
    assert [compact_count(n) for n in (950, 12_400, 128_000, 1_047_576, None)] == [
        "950",
        "12.4k",
        "128k",
        "1.0M",
        "?",
    ]


def test_cost_is_prompt_and_completion_tokens_times_their_price() -> None:
    catalog = ModelCatalog({"gpt-4o*": {"input_per_mtok": 2.5, "output_per_mtok": 10}})
    assert catalog.prices("gpt-4o-mini") == Prices(2.5, 10.0)
    assert catalog.prices("other") == Prices()
    messages = [
        Message(
            role="assistant", model="gpt-4o", usage={"prompt_tokens": 1_000_000, "completion_tokens": 500_000}
        ),
        Message(role="assistant", model="other", usage={"prompt_tokens": 10, "completion_tokens": 10}),
        Message(role="user", content="not counted"),
    ]
    sums = totals(messages, catalog.prices)
    assert (sums.prompt_tokens, sums.completion_tokens) == (1_000_010, 500_010)
    assert sums.cost == pytest.approx(2.5 + 5.0)
    assert totals(messages, ModelCatalog().prices).cost is None


async def test_a_reply_records_its_time_to_first_token_and_generation_time(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    conversation = conversation_with("hello")
    await run_turn(make_engine(api_client), conversation)
    timing = conversation.messages[-1].timing
    assert timing is not None and timing.to_first_token is not None and timing.generating is not None
    assert timing.to_first_token >= 0 and timing.generating >= 0


@pytest.mark.parametrize(
    "mode", ["context_error_openai", "context_error_vllm", "context_error_llamacpp", "context_error_ollama"]
)
async def test_each_servers_context_length_error_gets_its_own_kind_and_says_what_to_do(mode: str) -> None:
    with FakeServer(quirks=[mode]) as server:
        async with openai.AsyncOpenAI(base_url=server.url, api_key=API_KEY, max_retries=0) as client:
            conversation = conversation_with("hello")
            events = await run_turn(make_engine(client), conversation)
    failed = failure(events)
    assert failed.kind == "context_length"
    assert "no longer fits" in failed.message and "compact" in failed.message.lower()
    assert conversation.messages[0].content == "hello"  # the user's message stays


async def test_a_plain_bad_request_is_not_taken_for_a_context_error(fake_server: FakeServer) -> None:
    from tests.fakeserver import error_reply

    fake_server.script(error_reply(400, "Unknown parameter: foo"))
    async with openai.AsyncOpenAI(base_url=fake_server.url, api_key=API_KEY, max_retries=0) as client:
        events = await run_turn(make_engine(client), conversation_with("hello"))
    assert failure(events).kind == "bad_request"
