"""`tui-chat demo-server`: the loopback demo bot (tui_chat/demo_server.py), to try the app
without an API key or a model server."""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_PORT = 8765


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    from tui_chat import demo_server

    parser = sub.add_parser(
        "demo-server",
        help="serve a loopback demo bot, to try tui-chat without an API key",
        description="Serve an OpenAI-compatible demo bot on 127.0.0.1 until Ctrl+C: it streams "
        "Markdown, calls tools and answers 'long N' with an N-token reply. The first line on "
        "stdout is its base URL.",
    )
    demo_server.add_arguments(parser, default_port=DEFAULT_PORT)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tui_chat import demo_server

    return demo_server.serve(args, hint=True)
