"""The manager against a real MCP server over real Streamable HTTP on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.tools.mcp.support import TOOLS_SERVER, started, wait_until
from tests.waiting import poll_until
from tui_chat.tools.mcp.config import ServerConfig


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, TOOLS_SERVER, "--http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def accepts() -> bool:
            assert proc.poll() is None, "the HTTP MCP server exited"
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        poll_until(accepts, "the HTTP MCP server to accept connections", timeout=30)
        yield f"http://127.0.0.1:{port}/mcp", proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def http_config(url: str) -> ServerConfig:
    return ServerConfig(name="web", transport="http", origin="test", url=url, headers={"X-Test": "1"})


async def test_lists_and_calls_tools_over_streamable_http(
    http_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = http_server
    async with started(http_config(url)) as manager:
        status = manager.status("web")
        assert status.state == "ready", status.reason
        assert status.transport == "http" and status.target == url
        outcome = await manager.registry.execute("add", '{"a": 1, "b": 2}')
        assert (outcome.status, outcome.content) == ("ok", "3")
        failed = await manager.registry.execute("fail", "{}")
        assert failed.status == "error"


async def test_a_server_that_goes_away_gives_tool_errors_and_is_marked_down(
    http_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proc = http_server
    async with started(http_config(url)) as manager:
        proc.kill()
        proc.wait(timeout=10)
        outcome = await manager.registry.execute("echo", '{"text": "x"}')
        assert outcome.status == "error"
        await wait_until(lambda: manager.status("web").state == "failed", "the server to be marked down")
        assert manager.registry.get("echo") is None


async def test_nothing_listening_fails_with_the_reason() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    async with started(http_config(url)) as manager:
        status = manager.status("web")
        assert status.state == "failed"
        assert status.reason.startswith(f"cannot reach {url}")
