"""The MCP manager against real servers (tests/tools/mcp/servers) over real stdio, through the SDK."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.tools.mcp.support import (
    SILENT_SERVER,
    json_entry,
    process_alive,
    read_pid,
    started,
    stdio_server,
    wait_gone,
    wait_until,
)
from tui_chat.config import load_settings
from tui_chat.tools.builtin.text import count_string
from tui_chat.tools.mcp.config import ServerConfig, load_mcp_config
from tui_chat.tools.mcp.manager import McpManager
from tui_chat.tools.registry import ToolRegistry

# One event loop for the module, so the tests that only call tools can share one server.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def manager() -> AsyncIterator[McpManager]:
    """One running server for the tests that only call its tools and leave it as it was
    (each start costs a process importing the SDK). Tests that stop, restart or configure a
    server start their own."""
    async with started(stdio_server("tools")) as running:
        yield running


async def test_lists_tools_and_runs_calls_with_arguments(manager: McpManager) -> None:
    status = manager.status("tools")
    assert status.state == "ready"
    assert {"echo", "add", "fail", "weather", "picture"} <= set(status.tools)
    assert status.summary == f"ready, {len(status.tools)} tools"
    registry = manager.registry
    spec = registry.get("add")
    assert spec is not None and spec.server == "tools" and spec.policy == "ask"
    assert spec.parameters["required"] == ["a", "b"]

    added = await registry.execute("add", '{"a": 2, "b": 40}')
    assert (added.status, added.content) == ("ok", "42")
    echoed = await registry.execute("echo", {"text": "hi"})
    assert echoed.content == "echo: hi"
    weather = await registry.execute("weather", '{"city": "Oslo"}')
    assert json.loads(weather.content) == {"city": "Oslo", "celsius": 21.5}
    picture = await registry.execute("picture", "{}")
    assert picture.content.startswith("[image: image/png, ") and "bytes]" in picture.content


async def test_arguments_are_checked_against_the_input_schema_before_the_call(manager: McpManager) -> None:
    outcome = await manager.registry.execute("add", '{"a": "two"}')
    assert outcome.status == "error"
    assert "'b' is a required property" in outcome.content
    assert "'two' is not of type 'integer'" in outcome.content


async def test_a_tool_that_raises_is_a_tool_error_and_the_server_goes_on(manager: McpManager) -> None:
    failed = await manager.registry.execute("fail", "{}")
    assert failed.status == "error"
    assert "fail" in failed.content
    again = await manager.registry.execute("echo", '{"text": "still here"}')
    assert again.content == "echo: still here"


async def test_a_call_that_hangs_past_its_timeout_is_abandoned() -> None:
    async with started(stdio_server("tools", timeout=0.5)) as manager:
        outcome = await manager.registry.execute("sleep", '{"seconds": 30}')
        assert outcome.status == "error"
        assert "did not finish within 0.5 seconds" in outcome.content
        assert outcome.duration < 5
        assert (await manager.registry.execute("echo", '{"text": "x"}')).status == "ok"


async def test_cancelling_a_call_returns_at_once_and_the_server_stays_usable(manager: McpManager) -> None:
    call = asyncio.create_task(manager.registry.execute("sleep", '{"seconds": 30}'))
    await wait_until(lambda: "sleeping 30.0" in manager.status("tools").stderr, "the call to start")
    call.cancel()
    done, _ = await asyncio.wait([call], timeout=5)
    assert done and call.cancelled()
    assert (await manager.registry.execute("echo", '{"text": "after"}')).content == "echo: after"


async def test_a_server_that_exits_mid_session_withdraws_its_tools(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    async with started(stdio_server("tools", "--pid-file", str(pid_file))) as manager:
        pid = read_pid(pid_file)
        outcome = await manager.registry.execute("quit", "{}")
        assert outcome.status == "error"
        assert "'tools' is down" in outcome.content
        await wait_until(lambda: manager.status("tools").state == "failed", "the server to be down")
        status = manager.status("tools")
        assert "exited" in status.reason and "quitting now" in status.reason
        assert manager.registry.get("echo") is None  # no longer offered to the model
        withdrawn = await manager.registry.execute("echo", '{"text": "x"}')
        assert withdrawn.status == "error"
        assert "unavailable: its MCP server 'tools' is down" in withdrawn.content
        assert wait_gone(pid)

        manager.restart("tools")
        await manager.wait_started(timeout=60)
        assert manager.status("tools").state == "ready"
        assert (await manager.registry.execute("echo", '{"text": "back"}')).content == "echo: back"


async def test_a_server_that_never_answers_initialize_fails_after_its_startup_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    server = stdio_server("silent", str(pid_file), script=SILENT_SERVER, startup_timeout=1.0)
    async with started(server, stdio_server("tools")) as manager:
        silent = manager.status("silent")
        assert silent.state == "failed"
        assert silent.reason == "no answer within 1 s (startup_timeout)"
        assert "silent server: reading, never answering" in silent.stderr
        assert manager.status("tools").state == "ready"  # the other server is not held up
        assert wait_gone(read_pid(pid_file))


async def test_garbage_on_stdout_is_shown_and_does_not_break_the_session() -> None:
    async with started(stdio_server("noisy", "--garbage")) as manager:
        status = manager.status("noisy")
        assert status.state == "ready"
        assert any(line.startswith("[stdout is not JSON-RPC") for line in status.stderr)
        assert (await manager.registry.execute("echo", '{"text": "ok"}')).content == "echo: ok"


async def test_a_command_that_does_not_exist_fails_with_the_reason() -> None:
    missing = ServerConfig(name="missing", transport="stdio", origin="test", command="/no/such/mcp-server")
    async with started(missing) as manager:
        status = manager.status("missing")
        assert status.state == "failed"
        assert status.reason == "cannot start '/no/such/mcp-server': No such file or directory"


async def test_name_clashes_offer_the_later_tool_as_server__tool() -> None:
    registry = ToolRegistry(default_timeout=10)
    registry.register(count_string)
    registry.add_function({"name": "echo", "parameters": {"type": "object"}}, lambda: "built-in echo")
    async with started(stdio_server("one"), stdio_server("two"), registry=registry) as manager:
        assert "one__echo" in manager.status("one").tools
        assert "two__echo" in manager.status("two").tools
        assert any("'echo'" in w and "offered as 'one__echo'" in w for w in manager.warnings)
        outcome = await registry.execute("one__echo", '{"text": "prefixed"}')
        assert outcome.content == "echo: prefixed"
        assert (await registry.execute("echo", "{}")).content == "built-in echo"
        # Between two servers, the one that came second gets the prefix; the first keeps "add".
        adds = {name for server in ("one", "two") for name in manager.status(server).tools if "add" in name}
        assert adds in ({"add", "two__add"}, {"add", "one__add"})


async def test_allow_list_disabled_tools_and_policy_apply() -> None:
    server = stdio_server("tools", tools=("echo", "add", "fail"), disabled_tools=("fail",), policy="always")
    async with started(server) as manager:
        assert set(manager.status("tools").tools) == {"echo", "add"}
        spec = manager.registry.get("echo")
        assert spec is not None and spec.policy == "always"


async def test_close_leaves_no_child_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    async with started(stdio_server("tools", "--pid-file", str(pid_file))) as manager:
        pid = read_pid(pid_file)
        assert process_alive(pid)
        call = asyncio.create_task(manager.registry.execute("sleep", '{"seconds": 60}'))
        await wait_until(lambda: "sleeping 60.0" in manager.status("tools").stderr, "the call to start")
    assert not process_alive(pid)
    outcome = await asyncio.wait_for(call, 5)
    assert outcome.status == "error"


async def test_variables_reach_the_child_and_the_api_key_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-for-the-child")
    monkeypatch.setenv("PROJECT_TOKEN", "tok-123")
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"tools": json_entry(env={"TOKEN": "${PROJECT_TOKEN}"})}}))
    config = load_mcp_config(load_settings({"mcp_config_files": [str(path)]}))
    async with started(*config.servers) as manager:
        token = await manager.registry.execute("show_env", '{"name": "TOKEN"}')
        key = await manager.registry.execute("show_env", '{"name": "OPENAI_API_KEY"}')
    assert token.content == "tok-123"
    assert key.content == "(unset)"


async def test_a_policy_changed_while_offered_survives_a_restart() -> None:
    async with started(stdio_server("tools")) as manager:
        manager.registry.set_policy("echo", "always")
        manager.restart("tools")
        await wait_until(lambda: manager.status("tools").state == "connecting", "the restart to begin")
        await manager.wait_started(timeout=60)
        spec = manager.registry.get("echo")
        assert spec is not None and spec.policy == "always"
