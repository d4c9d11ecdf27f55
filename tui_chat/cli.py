"""Command-line entry point: `tui-chat` opens the app; subcommands live in tui_chat/commands/.

Each command module exposes `add_parser(subparsers) -> None` (which sets `func=run` on its
parser) and `run(args) -> int` (the exit status, see commands/exit_codes.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tui_chat.commands.exit_codes import EXIT_API_ERROR, EXIT_INTERRUPTED, EXIT_USAGE
from tui_chat.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    from tui_chat.commands import app, ask, config_cmd, mcp_cmd, sessions

    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="A terminal chat client for OpenAI-compatible APIs.",
        epilog="Run `tui-chat COMMAND --help` for a command's options.",
    )
    app.add_arguments(parser)
    parser.set_defaults(func=app.run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask.add_parser(sub)
    config_cmd.add_parser(sub)
    mcp_cmd.add_parser(sub)
    sessions.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        # A broken config file or missing key: one line the user can act on, never a traceback.
        print(f"tui-chat: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`tui-chat ask ... | head`): stop quietly, and keep Python's
        # final flush of stdout from complaining too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_API_ERROR
