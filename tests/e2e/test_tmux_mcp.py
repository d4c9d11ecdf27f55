"""End to end with an MCP server: the installed `tui-chat` in tmux (120x40), the loopback model
scripted to call a tool of a real stdio MCP server; the sidebar shows the call with the
server's name, and quitting leaves no child process."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import TMUX, Terminal, tui_chat_command
from tests.fakeserver import FakeServer, tool_calls_reply
from tests.tools.mcp.support import json_entry, read_pid, wait_gone

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"tui-chat-e2e-mcp-{os.getpid()}")
    try:
        yield term
    finally:
        term.close()


def test_the_model_calls_an_mcp_tool_and_the_sidebar_shows_its_server(
    terminal: Terminal, fake_server: FakeServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "server.pid"
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    servers = {"calc": json_entry("--pid-file", str(pid_file))}
    (config_dir / "mcp.json").write_text(json.dumps({"mcpServers": servers}))
    fake_server.script(tool_calls_reply(("add", '{"a": 20, "b": 22}')))
    env = {
        "TUI_CHAT_CONFIG_DIR": str(config_dir),
        "TUI_CHAT_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    command = f"{tui_chat_command()} --base-url {fake_server.url} --model fake-model --api-key e2e-key"
    terminal.start(command, env)
    terminal.wait_for(lambda s: "calc  ready, 8 tools" in s, "the MCP server to be ready", timeout=60)
    pid = read_pid(pid_file)

    terminal.keys("add 20 and 22", "Enter")
    screen = terminal.wait_for(lambda s: "Allow this tool call?" in s, "the confirmation")
    assert "add  from MCP server calc" in screen
    terminal.keys("Enter")
    screen = terminal.wait_for(lambda s: "The tool returned: 42" in s, "the answer")
    assert "add · calc" in screen

    terminal.keys("C-q")
    terminal.wait_for(lambda s: "fake-model" not in s, "the app to quit")
    assert wait_gone(pid), "the MCP server outlived the app"
