"""`tui-chat mcp list`, `tui-chat config show` with servers, and Ctrl+C in `tui-chat ask`
while an MCP call runs: real processes, real stdio servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.fakeserver import FakeServer, tool_calls_reply
from tests.tools.mcp.support import json_entry, read_pid, wait_gone


def tui_chat(*argv: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *argv], capture_output=True, text=True, timeout=90, **kwargs
    )


def servers_file(tmp_path: Path) -> Path:
    path = tmp_path / "mcp.json"
    servers = {
        "calc": json_entry(env={"API_TOKEN": "tok-0123456789abcdef"}, tools=["add", "echo"]),
        "gone": {"command": "/no/such/server"},
    }
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def test_mcp_list_prints_each_server_state_and_tools(tmp_path: Path) -> None:
    done = tui_chat("mcp", "list", "--mcp-config", str(servers_file(tmp_path)))
    assert done.returncode == 1  # one server failed
    lines = done.stdout.splitlines()
    assert lines[0].startswith("calc: ready, 2 tools  [stdio: ")
    assert "  add - Add two integers." in lines
    assert "  fail (not offered) - Always raises." in lines
    assert (
        "gone: failed: cannot start '/no/such/server': No such file or directory  [stdio: /no/such/server]"
        in lines
    )


def test_mcp_list_json(tmp_path: Path) -> None:
    done = tui_chat("mcp", "list", "--json", "--mcp-config", str(servers_file(tmp_path)))
    data = json.loads(done.stdout)
    calc = next(s for s in data["servers"] if s["name"] == "calc")
    assert calc["state"] == "ready"
    offered = [t["name"] for t in calc["tools"] if t["offered"]]
    assert offered == ["echo", "add"]
    assert next(s for s in data["servers"] if s["name"] == "gone")["state"] == "failed"


def test_config_show_lists_servers_with_secrets_masked(tmp_path: Path) -> None:
    done = tui_chat("config", "show", "--mcp-config", str(servers_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "MCP servers:" in done.stdout
    assert "env API_TOKEN=tok…cdef" in done.stdout
    assert "0123456789" not in done.stdout


def test_ctrl_c_in_ask_cancels_the_mcp_call_and_leaves_no_child(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    path = tmp_path / "mcp.json"
    entry = json_entry("--pid-file", str(pid_file), policy="always")
    path.write_text(json.dumps({"mcpServers": {"calc": entry}}))
    fake_server.script(tool_calls_reply(("sleep", '{"seconds": 120}')))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "ask",
            "--base-url",
            fake_server.url,
            "--mcp-config",
            str(path),
            "zz",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENAI_API_KEY": "sk-test", "PYTHONUNBUFFERED": "1"},
    )
    try:
        pid = read_pid(pid_file)
        assert proc.stderr is not None
        for line in proc.stderr:  # the call went out: ask printed it
            if line.startswith("[tool] sleep("):
                break
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        assert proc.returncode == 130
        assert time.monotonic() - started < 15
        assert wait_gone(pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
