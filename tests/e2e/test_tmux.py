"""End to end: the installed `tui-chat` in a real terminal (tmux, 120x40) against the loopback
server in a subprocess. Types a prompt with send-keys and reads the streamed answer off the
screen. Waiting here is polling a real terminal for a condition, with a deadline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.waiting import poll_until

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def tui_chat_command() -> str:
    beside_python = Path(sys.executable).with_name("tui-chat")
    found = str(beside_python) if beside_python.exists() else shutil.which("tui-chat")
    if not found:
        pytest.skip("the tui-chat command is not installed (pip install -e .)")
    return found


@pytest.fixture
def server_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeserver", "--port", "0", "--tps", "400"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"the fake server printed {url!r}"
        yield url
    finally:
        proc.kill()
        proc.wait(timeout=10)


class Terminal:
    """One tmux server of our own (its own socket, no user config) with one 120x40 window."""

    def __init__(self, name: str) -> None:
        self.name = name

    def tmux(self, *args: str, check: bool = True) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.name, "-f", os.devnull, *args], capture_output=True, text=True, check=check
        )
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        # COLUMNS/LINES inherited from the test runner would override the real terminal size.
        wrapped = f"env -u COLUMNS -u LINES {exports} {command}"
        self.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", wrapped)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "e2e", check=False)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "e2e", *keys)

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        last = [""]

        def shown() -> bool:
            last[0] = self.screen()
            return condition(last[0])

        try:  # polling a real terminal (each look is a tmux process), not synchronising with the app
            # (A bool, not the screen: once the app quits, the pane is gone and the screen is "".)
            poll_until(shown, what, timeout=timeout, interval=0.1)
            return last[0]
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen was:\n{last[0]}") from None

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", "e2e", "-x", str(width), "-y", str(height))

    def close(self) -> None:
        self.tmux("kill-server", check=False)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"tui-chat-e2e-{os.getpid()}")
    try:
        yield term
    finally:
        term.close()


def test_type_a_prompt_and_read_the_streamed_answer(
    terminal: Terminal, server_url: str, tmp_path: Path
) -> None:
    env = {
        "TUI_CHAT_CONFIG_DIR": str(tmp_path / "config"),
        "TUI_CHAT_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    command = f"{tui_chat_command()} --base-url {server_url} --model fake-model --api-key e2e-key"
    terminal.start(command, env)
    screen = terminal.wait_for(lambda s: "Send" in s and "fake-model" in s, "the app to start")
    assert "ready" in screen
    assert "Sidebar" in screen.splitlines()[39]  # the whole 120x40 footer

    terminal.keys("Hello from tmux", "Enter")
    screen = terminal.wait_for(lambda s: "You said: Hello from tmux" in s, "the streamed answer")
    # The reply's Markdown rendered (bold markers gone, a bullet, the code block) once it settles.
    screen = terminal.wait_for(
        lambda s: "def greet(name: str) -> str:" in s and "• a bullet with" in s and "ready" in s,
        "the reply's Markdown to render",
    )
    assert "**Markdown**" not in screen
    assert "Hello from tmux" in screen  # the user's message stays in the log

    # A long reply streams and the log follows it to the end.
    terminal.keys("long 600", "Enter")
    terminal.wait_for(lambda s: "fibonacci_" in s, "the long reply to start streaming")
    # It ends with "## Section 4: ..." and a paragraph: the log followed it to the bottom.
    terminal.wait_for(
        lambda s: (
            "ready" in s.splitlines()[0] and "Section 4: streaming text" in s and "on every update." in s
        ),  # the final render settles just after "ready"
        "the end of the long reply",
        timeout=60,
    )

    terminal.keys("C-q")
    terminal.wait_for(lambda s: "fake-model" not in s, "the app to quit")


def test_resizing_the_real_terminal_while_a_reply_streams(
    terminal: Terminal, server_url: str, tmp_path: Path
) -> None:
    """The reported crash: 120x40 -> 40x12 by the terminal, with the sidebar toggled, while a
    reply streams; then smaller than usable, and back."""
    env = {
        "TUI_CHAT_CONFIG_DIR": str(tmp_path / "config"),
        "TUI_CHAT_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    command = f"{tui_chat_command()} --base-url {server_url} --model fake-model --api-key e2e-key"
    terminal.start(command, env)
    terminal.wait_for(lambda s: "Send" in s and "fake-model" in s, "the app to start")
    # Long enough (80 s) to still stream through every resize below on a loaded machine (at
    # 2,000 tokens it could end before the 40x12 check, which looks for "streaming"); Escape
    # stops it.
    terminal.keys("long 8000 at 100", "Enter")
    terminal.wait_for(lambda s: "streaming" in s and "A long reply" in s, "the long reply to stream")

    terminal.resize(40, 12)
    terminal.wait_for(
        lambda s: "streaming" in s and max(map(len, s.splitlines()), default=99) <= 40, "the app at 40x12"
    )
    terminal.keys("C-s")  # the sidebar on, at 40 columns
    # The sidebar's edge beside the log and the prompt (the footer has one of its own).
    terminal.wait_for(lambda s: any("▏" in line for line in s.splitlines()[1:-1]), "the sidebar at 40x12")
    terminal.resize(20, 6)
    terminal.wait_for(lambda s: "tui-chat" in s, "the app at 20x6")
    terminal.resize(16, 4)
    terminal.wait_for(lambda s: "too small" in " ".join(s.split()), "the too-small notice")
    terminal.resize(120, 40)
    terminal.keys("Escape")  # stop the reply
    terminal.wait_for(lambda s: "ready" in s.splitlines()[0], "the app back at 120x40")
    terminal.keys("still typing")
    screen = terminal.wait_for(lambda s: "still typing" in s, "the prompt to take text")
    assert "Traceback" not in screen and "Error" not in screen

    terminal.keys("C-q")
    terminal.wait_for(lambda s: "fake-model" not in s, "the app to quit")
