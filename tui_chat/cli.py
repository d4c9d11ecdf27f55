"""Command-line entry point: `tui-chat` opens the app; subcommands live in tui_chat/commands/.

Each command module exposes `add_parser(subparsers) -> None` (which sets `func=run` on its
parser) and `run(args) -> int` (the exit status).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from tui_chat.commands import app, ask, config_cmd, sessions

    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="A terminal chat client for OpenAI-compatible APIs.",
    )
    app.add_arguments(parser)
    parser.set_defaults(func=app.run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask.add_parser(sub)
    config_cmd.add_parser(sub)
    sessions.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
