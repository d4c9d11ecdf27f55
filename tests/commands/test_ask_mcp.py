"""`tui-chat ask` as a real process with a real stdio MCP server: the loopback model calls an
MCP tool, the policy applies, and no child process is left when ask exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakeserver import FakeServer, tool_calls_reply
from tests.tools.mcp.support import json_entry, read_pid, wait_gone


def run_ask(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", "ask", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "OPENAI_API_KEY": "sk-test"},
    )


def mcp_file(tmp_path: Path, **fields: Any) -> tuple[Path, Path]:
    pid_file = tmp_path / "server.pid"
    path = tmp_path / "mcp.json"
    entry = json_entry("--pid-file", str(pid_file), **fields)
    path.write_text(json.dumps({"mcpServers": {"calc": entry}}))
    return path, pid_file


def test_ask_runs_an_mcp_tool_with_yes_and_leaves_no_child(fake_server: FakeServer, tmp_path: Path) -> None:
    config, pid_file = mcp_file(tmp_path)
    fake_server.script(tool_calls_reply(("add", '{"a": 2, "b": 3}')))
    done = run_ask(
        "--base-url", fake_server.url, "--mcp-config", str(config), "--yes", "--json", "add 2 and 3"
    )
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    results = [e for e in events if e["type"] == "tool_result"]
    assert [(r["name"], r["status"], r["content"]) for r in results] == [("add", "ok", "5")]
    assert events[-1]["content"] == "The tool returned: 5"
    offered = {t["function"]["name"] for t in fake_server.chat_requests[0].json["tools"]}
    assert {"add", "echo", "count_string"} <= offered
    assert wait_gone(read_pid(pid_file))


def test_ask_refuses_an_mcp_tool_with_policy_ask_without_yes(fake_server: FakeServer, tmp_path: Path) -> None:
    config, pid_file = mcp_file(tmp_path)
    fake_server.script(tool_calls_reply(("add", '{"a": 2, "b": 3}')))
    done = run_ask("--base-url", fake_server.url, "--mcp-config", str(config), "add 2 and 3")
    assert done.returncode == 0, done.stderr
    assert "[tool] add refused (tools that ask first only run with --yes)" in done.stderr
    assert wait_gone(read_pid(pid_file))


def test_ask_reports_a_server_that_fails_and_still_answers(fake_server: FakeServer, tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(
        json.dumps({"mcpServers": {"gone": {"command": "/no/such/server"}, "bad": {"command": 1}}})
    )
    done = run_ask("--base-url", fake_server.url, "--mcp-config", str(path), "hello")
    assert done.returncode == 0, done.stderr
    assert "You said: hello" in done.stdout
    assert f"{path}: MCP server 'bad': 'command' must be a string, not a number." in done.stderr
    assert (
        "MCP server 'gone' failed: cannot start '/no/such/server': No such file or directory" in done.stderr
    )
