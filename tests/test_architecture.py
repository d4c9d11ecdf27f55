"""The layering contract: the engine, the tools and the store never import Textual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

UI_FREE = ["tui_chat.engine", "tui_chat.tools", "tui_chat.store", "tui_chat.config", "tui_chat.attachments"]


def modules_of(package: str) -> list[str]:
    """`package` and every module below it, by full name. With the prefix, subpackages are
    walked under their real names (tui_chat.tools.mcp, not the SDK's top-level `mcp`), and
    each module below a subpackage (tui_chat.tools.builtin.*) is listed on its own."""
    import pkgutil

    mod = __import__(package, fromlist=["_"])
    names = [package]
    if hasattr(mod, "__path__"):
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, prefix=f"{package}.")]
    return names


def test_the_walk_lists_every_module_by_its_full_name() -> None:
    names = modules_of("tui_chat.tools")
    assert "tui_chat.tools.builtin.weather" in names
    assert "tui_chat.tools.mcp.manager" in names
    assert "tui_chat.engine.controller" in modules_of("tui_chat.engine")
    assert all(name.startswith("tui_chat.") for name in names)


@pytest.mark.parametrize("package", UI_FREE)
def test_package_does_not_import_textual(package: str) -> None:
    names = modules_of(package)
    # A fresh interpreter, so nothing imported by other tests hides a violation.
    code = (
        "import sys, importlib\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] == 'textual' or m.startswith('tui_chat.ui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{package} pulls in Textual: {out.stdout.strip()}"


def test_building_the_app_does_not_import_the_sdk_or_jsonschema(tmp_path: Path) -> None:
    """Start-up: the app's first screen needs none of these; they load after it or on first use.
    The command line of the app alone builds no other command's parser (`ask`'s, the demo
    server's HTTP stack, `sessions`' export), the store opens in a thread after the first frame,
    and tomlkit waits for the first write to the config file."""
    code = (
        "import sys\n"
        "import tui_chat.cli, tui_chat.commands.app\n"
        "args = tui_chat.cli.parse_app_only(['--model', 'm', '--theme', 'tui-paper'])\n"
        "assert args is not None and args.func is tui_chat.commands.app.run, args\n"
        "from tui_chat.config import Settings\n"
        "from tui_chat.ui.app import ChatApp\n"
        "ChatApp(Settings(base_url='http://127.0.0.1:9/v1', api_key='k'), save_sessions=False)\n"
        "heavy = ('openai', 'jsonschema', 'httpx2', 'pathspec', 'tomlkit', 'sqlite3', 'http')\n"
        "ours = ('tui_chat.store', 'tui_chat.demo_server', 'tui_chat.ui.theme_commands',\n"
        "        'tui_chat.tools.mcp.config',  # the MCP servers' settings: only with servers\n"
        "        'tui_chat.commands.ask', 'tui_chat.commands.sessions', 'tui_chat.commands.doctor',\n"
        "        'tui_chat.commands.mcp_cmd', 'tui_chat.commands.config_cmd')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(ours)]\n"
        "print(','.join(sorted(loaded)))\n"
    )
    env = {
        **os.environ,
        "TUI_CHAT_CONFIG_DIR": str(tmp_path / "config"),
        "TUI_CHAT_DATA_DIR": str(tmp_path / "data"),
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "", f"imported before the first frame: {out.stdout.strip()}"


def test_anything_but_the_app_alone_is_parsed_with_every_command() -> None:
    from tui_chat.cli import parse_app_only

    assert parse_app_only([]) is not None
    assert parse_app_only(["--system", "ask"]) is not None  # "ask" is the option's value here
    for argv in (
        ["ask", "hi"],
        ["--model", "m", "sessions"],
        ["-h"],
        ["--bogus"],
        ["--timeout", "x"],
        ["foo"],
    ):
        assert parse_app_only(argv) is None, argv


def test_no_module_in_the_ui_is_over_450_lines() -> None:
    """A UI file that grows past this holds more than one concept: split it along its seams
    (the app's flows are modules beside it: prompt_flow, branch_flow, context_flow, ...)."""
    ui = Path(__file__).resolve().parents[1] / "tui_chat" / "ui"
    sizes = {str(path.relative_to(ui)): len(path.read_text().splitlines()) for path in ui.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 450} == {}
