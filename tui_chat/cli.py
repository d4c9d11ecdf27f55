"""Command-line entry point: `tui-chat` opens the app; subcommands live in tui_chat/commands/.

Each command module exposes `add_parser(subparsers) -> None` (which sets `func=run` on its
parser) and `run(args) -> int` (the exit status, see commands/exit_codes.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from tui_chat import gc_pause
from tui_chat.commands.exit_codes import EXIT_API_ERROR, EXIT_INTERRUPTED, EXIT_USAGE


def _top_parser(
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    """The top-level parser with the app's own options, no subcommands yet."""
    from tui_chat import __version__
    from tui_chat.commands import app

    parser = parser_class(
        prog="tui-chat",
        description="A terminal chat client for OpenAI-compatible APIs.",
        epilog="Run `tui-chat COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    app.add_arguments(parser)
    parser.set_defaults(func=app.run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    from tui_chat.commands import ask, config_cmd, demo_server, doctor, mcp_cmd, sessions

    parser = _top_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ask.add_parser(sub)
    config_cmd.add_parser(sub)
    demo_server.add_parser(sub)
    doctor.add_parser(sub)
    mcp_cmd.add_parser(sub)
    sessions.add_parsers(sub)
    return parser


class _NotJustTheApp(Exception):
    """The command line is more than the app's own options: parse it with every command."""


class _AppOnlyParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotJustTheApp(message)

    def print_help(self, file: Any = None) -> None:
        raise _NotJustTheApp("--help lists the commands too")


def parse_app_only(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments when `argv` opens the app (no subcommand) and parses without a problem;
    None otherwise. Building every command's parser imports every command (the store, the
    demo server's HTTP stack, ...), which the app's first frame would wait for; anything else
    (a command, --help, a mistake) goes through `build_parser`, so its result and messages are
    the same as ever."""
    parser = _top_parser(_AppOnlyParser)
    parser.set_defaults(command=None)
    try:
        args, extras = parser.parse_known_args(argv)
    except _NotJustTheApp:
        return None
    return None if extras else args


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Like `parser.parse_args`, but an unknown option is reported with the usage of the
    command it was given to (`ask --bogus` shows `ask`'s usage, not the top-level one)."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        command = getattr(args, "command", None)
        commands = next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {})
        target = commands.get(command, parser) if command and isinstance(commands, dict) else parser
        target.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == ["--version"]:
        # Answered before the parser is built: that imports every command and the settings.
        from tui_chat import __version__

        print(f"tui-chat {__version__}")
        raise SystemExit(0)  # as argparse's version action does
    gc_pause.pause()  # until the app's first frame is up, or the command's parser is built
    try:
        return _run(arguments)
    finally:
        gc_pause.resume()


def _run(arguments: list[str]) -> int:
    from tui_chat.commands import app
    from tui_chat.config import ConfigError

    args = parse_app_only(arguments)
    if args is None:
        args = parse(build_parser(), arguments)
    if args.func is not app.run:
        gc_pause.resume()
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
