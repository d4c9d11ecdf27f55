"""Config-file writes run in the writer thread, in order, and none is lost on quit."""

from __future__ import annotations

import threading
from pathlib import Path

from tui_chat import paths
from tui_chat.config import Settings, load_settings
from tui_chat.ui import config_writes
from tui_chat.ui.app import ChatApp


async def test_writes_run_off_the_event_loop_in_the_order_asked() -> None:
    done: list[str] = []

    def write(name: str) -> str:
        done.append(name)
        return threading.current_thread().name

    first = config_writes.submit(lambda: write("first"))
    thread = await config_writes.run(lambda: write("second"))
    assert first.done() and done == ["first", "second"]
    assert thread.startswith("config-write") and thread != threading.current_thread().name


async def test_a_policy_chosen_just_before_quitting_is_saved(isolated_dirs: dict[str, Path]) -> None:
    app = ChatApp(Settings(api_key="k", base_url="http://127.0.0.1:9/v1"), save_sessions=False)
    async with app.run_test(size=(100, 30)):
        app.set_tool_policy("get_current_weather", "always")
        app.exit()  # at once: quitting waits for the write
    assert load_settings().tool_policies == {"get_current_weather": "always"}
    assert paths.config_file().stat().st_mode & 0o777 == 0o600
