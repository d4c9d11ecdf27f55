"""build_registry: the built-ins, and the settings that switch tools and set their policies."""

from __future__ import annotations

import re
from datetime import date, datetime

from tui_chat.config import Settings
from tui_chat.tools.builtin import BUILTIN_NAMES
from tui_chat.tools.setup import build_registry


def test_builtins_are_enabled_with_policy_always() -> None:
    setup = build_registry(Settings())
    assert setup.problems == []
    assert [f["function"]["name"] for f in setup.registry.openai_tools()] == list(BUILTIN_NAMES)
    assert {setup.registry.policy(name) for name in BUILTIN_NAMES} == {"always"}


async def test_count_string_counts_the_seed_example() -> None:
    registry = build_registry(Settings()).registry
    outcome = await registry.execute("count_string", '{"string": "hello world"}')
    assert (outcome.status, outcome.content) == ("ok", "11")


async def test_date_and_time_are_local_iso_8601() -> None:
    registry = build_registry(Settings()).registry
    today = (await registry.execute("get_current_date", "")).content
    now = (await registry.execute("get_current_time", "")).content

    assert date.fromisoformat(today)
    parsed = datetime.fromisoformat(now)
    assert parsed.utcoffset() == datetime.now().astimezone().utcoffset()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", now)


async def test_disabled_tools_are_not_offered_or_run() -> None:
    setup = build_registry(Settings(disabled_tools=["get_current_weather"]))
    assert setup.problems == []
    offered = [f["name"] for f in setup.registry.legacy_functions()]
    assert "get_current_weather" not in offered
    outcome = await setup.registry.execute("get_current_weather", '{"location": "Berlin"}')
    assert "Unknown function" in outcome.content


def test_tools_can_be_switched_off_entirely() -> None:
    setup = build_registry(Settings(tools_enabled=False))
    assert setup.registry.openai_tools() == []


def test_configured_policies_override_the_defaults() -> None:
    setup = build_registry(Settings(tool_policies={"count_string": "ask", "get_current_weather": "never"}))
    assert setup.problems == []
    assert setup.registry.policy("count_string") == "ask"
    assert setup.registry.policy("get_current_weather") == "never"
    assert setup.registry.policy("get_current_date") == "always"


def test_unknown_names_and_bad_policies_are_reported() -> None:
    setup = build_registry(
        Settings(
            tool_policies={"conut_string": "ask", "get_current_date": "sometimes"},  # type: ignore[dict-item]
            disabled_tools=["no_such_tool"],
        )
    )
    no_such, typo, bad = setup.problems
    assert no_such.startswith("disabled_tools: there is no tool named 'no_such_tool' (known tools: count")
    assert typo.startswith("tool_policies: there is no tool named 'conut_string'")
    assert bad == (
        "tool_policies: 'sometimes' for 'get_current_date' is not a policy; use one of ask, always, never."
    )
    assert setup.registry.policy("get_current_date") == "always"


def test_timeout_and_output_limit_come_from_settings() -> None:
    registry = build_registry(Settings(tool_timeout=4.5, tool_output_limit=2048)).registry
    assert (registry.default_timeout, registry.output_limit) == (4.5, 2048)


def test_invalid_limits_are_reported_and_defaults_used() -> None:
    setup = build_registry(Settings(tool_timeout=-1))
    assert len(setup.problems) == 1
    assert "Invalid tool timeout -1" in setup.problems[0]
    assert setup.registry.default_timeout == 30.0
