"""`tui-chat` with no subcommand: open the full-screen chat app."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui_chat.commands.common import add_connection_options, settings_from_args
from tui_chat.commands.session_options import add_session_options
from tui_chat.config import ConfigError
from tui_chat.ui.theme_option import add_theme_argument

if TYPE_CHECKING:
    from tui_chat.store import SessionStore


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_options(parser)
    add_session_options(parser)
    add_theme_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"tui-chat: {exc}", file=sys.stderr)
        return 2
    # Without --continue / --session the app opens the store itself, in a thread once its first
    # screen is up (opening checks the whole file). To reopen a session it is needed first.
    store: SessionStore | None = None
    conversation = None
    continue_last, session_id = getattr(args, "continue_last", False), getattr(args, "session_id", None)
    message_id = getattr(args, "message_id", None)  # --message: the branch holding a search hit
    if continue_last or session_id or message_id:
        from tui_chat.commands.ask_session import SessionUnavailable, choose_conversation
        from tui_chat.store import SessionStore, StoreError

        try:
            store = SessionStore.open()
        except StoreError as exc:
            print(f"tui-chat: warning: {exc}; conversations will not be saved", file=sys.stderr)
        try:
            if store is None:
                raise SessionUnavailable("the session database cannot be opened")
            conversation, settings = choose_conversation(
                store, settings, continue_last=continue_last, session_id=session_id, message_id=message_id
            )
        except SessionUnavailable as exc:
            print(f"tui-chat: {exc}", file=sys.stderr)
            if store is not None:
                store.close()
            return 2
    # Imported here so `tui-chat ask` and `tui-chat config` never load Textual.
    from tui_chat.ui.app import ChatApp
    from tui_chat.ui.themes import UnknownThemeError

    try:
        app = ChatApp(
            settings,
            conversation=conversation,
            store=store,
            save_sessions=True,
            theme=getattr(args, "theme", None),
        )
    except UnknownThemeError as exc:
        print(f"tui-chat: {exc}", file=sys.stderr)
        if store is not None:
            store.close()
        return 2
    app.run()
    return int(app.return_code or 0)
