"""--continue / --session ID / --message MSG, shared by the app (`tui-chat`) and `tui-chat ask`. Apart from
commands/ask_session.py (which imports the store) so that parsing the app's command line does
not load the session store before the first frame."""

from __future__ import annotations

import argparse


def add_session_options(
    parser: argparse.ArgumentParser, *, subcommand: bool = False
) -> argparse._ArgumentGroup:
    """--continue / --session ID (shared with `tui-chat ask`). On a subcommand's parser they
    default to "absent", so `tui-chat --continue ask ...` keeps the option given before it."""
    group = parser.add_argument_group("sessions")
    which = group.add_mutually_exclusive_group()
    default = argparse.SUPPRESS if subcommand else None
    which.add_argument(
        "--continue",
        "-c",
        dest="continue_last",
        action="store_true",
        default=argparse.SUPPRESS if subcommand else False,
        help="go on with the most recently used session (its model and system prompt too)",
    )
    which.add_argument(
        "--session",
        metavar="ID",
        dest="session_id",
        default=default,
        help="go on with saved session ID (a unique prefix will do; `tui-chat sessions` lists them)",
    )
    group.add_argument(
        "--message",
        metavar="MSG",
        dest="message_id",
        default=default,
        help="with --session: go on from the branch holding message MSG (a search hit of "
        "`tui-chat sessions --search`), which becomes the branch the session shows",
    )
    return group
