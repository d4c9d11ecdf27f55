"""What the app does around its first frame: before it, only what that frame needs (the chosen
theme, its stylesheet parsed once); after it, the rest: the SDK in a thread (the first request
waits for it) beside the default session store (in another), then the other themes, one per
turn of the event loop (so a key pressed meanwhile waits for one, not all).

The MCP servers (ui/mcp_link.py) connect after the first frame too, beside the SDK's import
(their tools should be there for the first request as well); the app's on_mount starts them."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TYPE_CHECKING

from tui_chat.ui.themes import ThemeSetup, setup_themes

if TYPE_CHECKING:
    from tui_chat.store import SessionStore
    from tui_chat.ui.app import ChatApp
    from tui_chat.ui.session_saver import SessionSaver


class FirstParse:
    """Choosing the theme in the app's __init__ queues a reparse of the whole stylesheet for
    after the first mount (Textual made the stylesheet with its default theme's variables, and
    a reparse is a few tens of milliseconds). Given the chosen theme's variables at once, the
    first parse is the right one: `redundant()` says the queued refresh would change nothing."""

    def __init__(self, app: ChatApp, queued: bool) -> None:
        app.stylesheet.set_variables(app.get_css_variables())
        # `queued`: the theme changed (Textual's default kept queues nothing, so nothing to skip)
        self._variables: dict[str, str] | None = app.get_css_variables() if queued else None

    def redundant(self, app: ChatApp) -> bool:
        """True once, for the queued refresh, if the variables are still those parsed with."""
        variables, self._variables = self._variables, None
        return variables is not None and variables == app.get_css_variables()


def start_themes(app: ChatApp, requested: str | None) -> tuple[list[str], ThemeSetup, FirstParse]:
    """--theme (`requested`, UnknownThemeError if unknown) > config file > default; only the
    chosen one is read now (the `ThemeSetup` has the rest). The problems to show."""
    before = app.theme
    problems, later = setup_themes(app, requested=requested, configured=app.settings.theme)
    return problems, later, FirstParse(app, queued=app.theme != before)


async def start_sessions(app: ChatApp, store: SessionStore | None) -> None:
    """Save the conversation in `store` (None: the default one, opened in a thread). Without a
    store yet, the modules of the saver and the store load in a thread too (~15 ms), so a key
    pressed meanwhile is not kept waiting for them."""

    def saver_class() -> type[SessionSaver]:
        from tui_chat.ui.session_saver import SessionSaver

        return SessionSaver

    saver = await asyncio.to_thread(saver_class) if store is None else saver_class()
    app.sessions = await saver.for_app(app, store)


def after_first_frame(app: ChatApp, open_store: bool) -> None:
    """In a thread: the SDK, its client and jsonschema, so the first request waits for none
    (or as little as can be: a message sent at once waits for the rest of the import). Little
    of ours competes with it: the garbage collector stays off until it is done (it would slow
    the import by a tenth, see tui_chat/gc_pause.py); the other themes wait for it; while it
    runs the event loop's thread gets the interpreter back within a millisecond of asking (a
    key is echoed at once), not five. The default store (`open_store`) opens beside it, in
    another thread: its check of the whole file leaves the interpreter to the import, and a
    message sent at once is saved even if the app is closed before the SDK is in."""
    if open_store:
        app.run_worker(start_sessions(app, None), name="sessions", group="sessions")
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.001))

    def preload() -> None:
        try:
            app.controller.prepare()
        finally:
            sys.setswitchinterval(interval)
            with contextlib.suppress(RuntimeError):  # the app has gone (its loop is closed)
                app.call_later(after_preload, app)  # posting a message is thread-safe

    threading.Thread(target=preload, name="preload", daemon=True).start()


def after_preload(app: ChatApp) -> None:
    """What start-up built (the SDK's objects too) is frozen out of the collector's passes and
    the collector is on again; the other themes are registered, one per turn of the event
    loop."""
    app.gc_policy.freeze_startup()
    app.theme_setup.warn = app.warn

    def step() -> None:
        if app.theme_setup.step():
            app.call_later(step)

    step()
