"""ToolRegistry.execute: every failure becomes an error outcome the model can act on."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from tui_chat import tool
from tui_chat.tools.registry import ToolError, ToolRegistry


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Lets hung sync tools finish when the test ends, so no thread outlives it."""
    event = threading.Event()
    yield event
    event.set()


def registry_with(*fns: object, **options: object) -> ToolRegistry:
    registry = ToolRegistry(**options)  # type: ignore[arg-type]
    for fn in fns:
        registry.register(fn)  # type: ignore[arg-type]
    return registry


@tool
def add(a: int, b: int = 1) -> int:
    return a + b


async def test_ok_call_reports_result_and_duration() -> None:
    outcome = await registry_with(add).execute("add", '{"a": 2, "b": 3}')
    assert (outcome.status, outcome.content) == ("ok", "5")
    assert outcome.ok
    assert 0 <= outcome.duration < 5


async def test_empty_arguments_mean_no_arguments() -> None:
    @tool
    def ping() -> str:
        return "pong"

    registry = registry_with(ping)
    assert (await registry.execute("ping", "")).content == "pong"
    assert (await registry.execute("ping", "  ")).content == "pong"


async def test_arguments_sent_as_an_object_are_accepted() -> None:
    assert (await registry_with(add).execute("add", {"a": 1})).content == "2"


async def test_unknown_function_lists_the_available_ones() -> None:
    registry = registry_with(add)
    outcome = await registry.execute("subtract", "{}")
    assert outcome.status == "error"
    assert "Unknown function 'subtract'" in outcome.content
    assert "add" in outcome.content


async def test_disabled_function_is_unknown_to_the_model() -> None:
    registry = registry_with(add)
    registry.set_enabled("add", False)
    outcome = await registry.execute("add", '{"a": 1}')
    assert outcome.status == "error"
    assert "Unknown function 'add'" in outcome.content


async def test_invalid_json_says_so_with_the_parse_error() -> None:
    outcome = await registry_with(add).execute("add", '{"a": 1,')
    assert outcome.status == "error"
    assert "not valid JSON" in outcome.content
    assert "line 1 column" in outcome.content


async def test_arguments_must_be_an_object() -> None:
    outcome = await registry_with(add).execute("add", "[1, 2]")
    assert outcome.status == "error"
    assert "must be a JSON object, not an array" in outcome.content


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"b": 2}', "'a' is a required property"),
        ('{"a": "two"}', "'a': 'two' is not of type 'integer'"),
    ],
)
async def test_schema_violation_names_the_field_and_why(arguments: str, expected: str) -> None:
    outcome = await registry_with(add).execute("add", arguments)
    assert outcome.status == "error"
    assert expected in outcome.content
    assert "Invalid arguments for 'add'" in outcome.content


async def test_unexpected_argument_is_named() -> None:
    outcome = await registry_with(add).execute("add", '{"a": 1, "c": 2}')
    assert outcome.status == "error"
    assert "('c' was unexpected)" in outcome.content


async def test_function_raising_reports_type_and_message_without_traceback() -> None:
    @tool
    def explode(reason: str) -> None:
        raise ValueError(reason)

    outcome = await registry_with(explode).execute("explode", '{"reason": "bad input"}')
    assert outcome.status == "error"
    assert "ValueError: bad input" in outcome.content
    assert "Traceback" not in outcome.content


async def test_tool_error_message_goes_to_the_model_as_written() -> None:
    @tool
    async def refuse() -> None:
        raise ToolError("The archive is offline; try again tomorrow.")

    outcome = await registry_with(refuse).execute("refuse", "")
    assert (outcome.status, outcome.content) == ("error", "The archive is offline; try again tomorrow.")


async def test_tool_calling_sys_exit_does_not_end_the_app() -> None:
    @tool
    def quitter() -> None:
        raise SystemExit(3)

    outcome = await registry_with(quitter).execute("quitter", "")
    assert outcome.status == "error"
    assert "SystemExit" in outcome.content


async def test_sync_tools_run_off_the_event_loop() -> None:
    # The tool waits for the loop to answer it; run on the loop itself it could not.
    loop = asyncio.get_running_loop()
    started = asyncio.Event()
    answered = threading.Event()

    @tool(timeout=5)
    def wait_for_loop() -> str:
        loop.call_soon_threadsafe(started.set)
        return "saw the loop" if answered.wait(timeout=5) else "blocked the loop"

    call = asyncio.create_task(registry_with(wait_for_loop).execute("wait_for_loop", ""))
    await started.wait()
    answered.set()
    assert (await call).content == "saw the loop"


async def test_hung_sync_tool_times_out_without_blocking_the_loop(release: threading.Event) -> None:
    @tool(timeout=0.2)
    def hang() -> None:
        release.wait()

    started = time.perf_counter()
    outcome, other = await asyncio.gather(
        registry_with(hang).execute("hang", ""), registry_with(add).execute("add", '{"a": 1}')
    )
    assert outcome.status == "error"
    assert "did not finish within 0.2 seconds" in outcome.content
    assert other.content == "2"
    assert time.perf_counter() - started < 3


async def test_hung_async_tool_times_out_with_the_registry_default() -> None:
    @tool
    async def stall() -> None:
        await asyncio.Event().wait()

    outcome = await registry_with(stall, default_timeout=0.1).execute("stall", "")
    assert outcome.status == "error"
    assert "did not finish within 0.1 seconds" in outcome.content


async def test_timeout_raised_by_the_tool_itself_is_a_failure_not_our_timeout() -> None:
    @tool
    def slow_backend() -> None:
        raise TimeoutError("backend took too long")

    outcome = await registry_with(slow_backend).execute("slow_backend", "")
    assert "TimeoutError: backend took too long" in outcome.content


async def test_cancellation_propagates_from_async_and_hung_sync_tools(release: threading.Event) -> None:
    entered = asyncio.Event()
    loop = asyncio.get_running_loop()

    @tool
    async def wait_async() -> None:
        entered.set()
        await asyncio.Event().wait()

    @tool
    def wait_sync() -> None:
        loop.call_soon_threadsafe(entered.set)
        release.wait()

    registry = registry_with(wait_async, wait_sync)
    for name in ("wait_async", "wait_sync"):
        entered.clear()
        call = asyncio.create_task(registry.execute(name, ""))
        await entered.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"temp": 21, "city": "Zürich"}, {"temp": 21, "city": "Zürich"}),
        ([1, "two"], [1, "two"]),
        (None, None),
        (True, True),
        ({"day": date(2024, 5, 1)}, {"day": "2024-05-01"}),
    ],
)
async def test_non_string_results_are_sent_as_json(result: object, expected: object) -> None:
    @tool
    def produce() -> object:
        return result

    outcome = await registry_with(produce).execute("produce", "")
    assert json.loads(outcome.content) == expected


async def test_unencodable_result_falls_back_to_str() -> None:
    loop: list[object] = []
    loop.append(loop)

    @tool
    def circular() -> object:
        return loop

    assert (await registry_with(circular).execute("circular", "")).content == "[[...]]"


async def test_long_output_is_capped_on_a_character_boundary_with_a_note() -> None:
    @tool
    def essay() -> str:
        return "é" * 5000  # 2 bytes each: 10000 bytes

    outcome = await registry_with(essay, output_limit=1000).execute("essay", "")
    assert outcome.status == "ok"
    assert len(outcome.content.encode("utf-8")) <= 1000
    body, note = outcome.content.split("\n[output truncated: ")
    assert set(body) == {"é"}
    kept = len(body.encode("utf-8"))
    assert note == f"showing the first {kept} of 10000 bytes; {10000 - kept} bytes were cut]"


async def test_output_at_the_limit_is_untouched() -> None:
    @tool
    def exact() -> str:
        return "x" * 1000

    outcome = await registry_with(exact, output_limit=1000).execute("exact", "")
    assert outcome.content == "x" * 1000
