"""The layering contract: the engine, the tools and the store never import Textual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

UI_FREE = ["tui_chat.engine", "tui_chat.tools", "tui_chat.store", "tui_chat.config"]


@pytest.mark.parametrize("package", UI_FREE)
def test_package_does_not_import_textual(package: str) -> None:
    import pkgutil

    mod = __import__(package, fromlist=["_"])
    names = [package]
    if hasattr(mod, "__path__"):
        # With the prefix, subpackages are walked under their real names (tui_chat.tools.mcp,
        # not the SDK's top-level `mcp`).
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, prefix=f"{package}.")]
    # A fresh interpreter, so nothing imported by other tests hides a violation.
    code = (
        "import sys, importlib\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{package} pulls in Textual: {out.stdout.strip()}"


def test_building_the_app_does_not_import_the_sdk_or_jsonschema(tmp_path: Path) -> None:
    """Start-up: the app's first screen needs neither; they load after it or on first use."""
    code = (
        "import sys\n"
        "import tui_chat.cli, tui_chat.commands.app\n"
        "from tui_chat.config import Settings\n"
        "from tui_chat.ui.app import ChatApp\n"
        "ChatApp(Settings(base_url='http://127.0.0.1:9/v1', api_key='k'), save_sessions=False)\n"
        "heavy = ('openai', 'jsonschema', 'httpx2')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    env = {
        **os.environ,
        "TUI_CHAT_CONFIG_DIR": str(tmp_path / "config"),
        "TUI_CHAT_DATA_DIR": str(tmp_path / "data"),
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "", f"imported before the first frame: {out.stdout.strip()}"
