"""MCP servers in the app (App.run_test, real stdio servers, the loopback model): start-up does
not wait for them, the confirm dialog and the sidebar card name the server, a reopened session
still shows it, esc cancels an in-flight MCP call, and quitting leaves no child process."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from tests.fakeserver import FakeServer, tool_calls_reply
from tests.tools.mcp.support import SILENT_SERVER, json_entry, process_alive, read_pid, wait_gone
from tests.ui.app_support import SIZE, make_app, send, settle, wait_for
from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen
from tui_chat.ui.screens.mcp_servers import McpServersScreen
from tui_chat.ui.widgets.tool_call_card import HeaderRow


def mcp_file(tmp_path: Path, servers: dict[str, dict[str, object]]) -> str:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": servers}))
    return str(path)


async def test_an_mcp_tool_call_is_confirmed_naming_its_server_and_the_card_shows_it(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    config = mcp_file(tmp_path, {"calc": json_entry("--pid-file", str(pid_file))})
    fake_server.script(tool_calls_reply(("add", '{"a": 20, "b": 22}')))
    app = make_app(fake_server, mcp_config_files=[config])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "calc ready, 8 tools" in app.sidebar.servers.text, timeout=60)
        assert app.status_bar.mcp == "1/1"
        await send(pilot, "add 20 and 22")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        name = app.screen.query_one("#confirm-tool-name", Static)
        assert str(name.render()) == "add  from MCP server calc"
        await pilot.press("enter")
        await settle(pilot)
        card = app.sidebar.cards[0]
        assert card.server == "calc"
        assert card.status == "ok" and card.result == "42"
        assert "add · calc" in card.query_one(HeaderRow).text
        tool_message = next(m for m in app.conversation.messages if m.role == "tool")
        assert tool_message.activity is not None and tool_message.activity.server == "calc"
        pid = read_pid(pid_file)
        assert process_alive(pid)
        # Reopening the conversation rebuilds the sidebar from what was recorded.
        await app.load_conversation(app.conversation)
        await wait_for(pilot, lambda: bool(app.sidebar.cards))
        assert app.sidebar.cards[0].server == "calc"
    assert wait_gone(pid)


async def test_the_prompt_works_while_a_server_is_still_connecting(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    config = mcp_file(tmp_path, {"slow": json_entry(str(pid_file), script=SILENT_SERVER, startup_timeout=60)})
    app = make_app(fake_server, mcp_config_files=[config])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "slow connecting" in app.sidebar.servers.text, timeout=30)
        await send(pilot, "hello")
        await settle(pilot)
        assert (app.conversation.messages[-1].content or "").startswith("You said: hello")
        assert app.status_bar.mcp == "0/1…"
        pid = read_pid(pid_file)
    assert wait_gone(pid)


async def test_esc_cancels_an_in_flight_mcp_call(fake_server: FakeServer, tmp_path: Path) -> None:
    config = mcp_file(tmp_path, {"calc": json_entry(policy="always")})
    fake_server.script(tool_calls_reply(("sleep", '{"seconds": 60}')))
    app = make_app(fake_server, mcp_config_files=[config])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "calc ready" in app.sidebar.servers.text, timeout=60)
        await send(pilot, "sleep a minute")
        statuses = app.mcp.statuses
        await wait_for(pilot, lambda: "sleeping 60.0" in statuses()[0].stderr, timeout=30)
        await pilot.press("escape")
        await settle(pilot)
        tool_message = next(m for m in app.conversation.messages if m.role == "tool")
        assert tool_message.activity is not None and tool_message.activity.status == "stopped"
        assert app.sidebar.cards[0].status != "running"


async def test_the_mcp_servers_screen_shows_state_and_stderr_and_restarts(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    config = mcp_file(tmp_path, {"calc": json_entry(), "gone": {"command": "/no/such/server"}})
    app = make_app(fake_server, mcp_config_files=[config])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "calc ready" in app.sidebar.servers.text, timeout=60)
        await wait_for(pilot, lambda: "gone failed" in app.sidebar.servers.text, timeout=30)
        assert app.status_bar.mcp == "1/2" and app.status_bar.mcp_failed
        app.action_mcp_servers()
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, McpServersScreen) and bool(app.screen.query("#mcp-details-text")),
        )
        details = app.screen.query_one("#mcp-details-text", Static)
        await wait_for(pilot, lambda: "test-tools starting" in str(details.render()))
        assert "tools   echo, add" in str(details.render())
        await pilot.press("d")
        await wait_for(pilot, lambda: "calc stopped (disabled for this run)" in app.sidebar.servers.text)
        assert app.registry is not None and app.registry.get("echo") is None
        await pilot.press("r")
        await wait_for(pilot, lambda: "calc ready" in app.sidebar.servers.text, timeout=60)
        assert app.registry.get("echo") is not None
