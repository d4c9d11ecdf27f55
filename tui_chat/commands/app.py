"""PLACEHOLDER owned by the UI engineer: `tui-chat` with no subcommand opens the Textual app.

Replace this module wholesale; cli.py only needs `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import sys

from tui_chat.commands.common import add_connection_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_options(parser)


def run(args: argparse.Namespace) -> int:
    print("tui-chat: the app is not built yet; try `tui-chat ask PROMPT`", file=sys.stderr)
    return 2
