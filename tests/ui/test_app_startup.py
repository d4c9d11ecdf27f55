"""What the app does around its first frame (ui/app_startup.py): drawn in the chosen theme with
one parse of the stylesheet; the SDK prepared in a thread,
then the garbage collector on again with start-up's objects frozen."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def test_the_app_turns_the_collector_back_on_once_the_sdk_is_prepared() -> None:
    # `tui-chat` starts with the collector off; the app freezes what start-up built (the SDK
    # included) and turns it on again after the preload. A fresh interpreter: the SDK not
    # imported yet, as at a real start.
    code = textwrap.dedent(
        """
        import asyncio, gc, sys
        from tui_chat import gc_pause
        from tui_chat.config import Settings
        from tui_chat.ui.app import ChatApp

        async def main():
            gc_pause.pause()
            settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k")
            app = ChatApp(settings, save_sessions=False)
            async with app.run_test() as pilot:
                for _ in range(3000):
                    if gc.isenabled():
                        break
                    await pilot.pause(0.01)
                print(gc.isenabled(), "openai" in sys.modules, gc.get_freeze_count() > 0)

        asyncio.run(main())
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]


@pytest.mark.parametrize("theme", ["tui-paper", "tui-midnight", "textual-light"])
async def test_the_first_frame_is_in_the_theme_chosen_at_start(theme: str) -> None:
    """The stylesheet is parsed once, with the chosen theme's variables (the reparse choosing
    it queued is skipped): what is drawn is in that theme, a light one too."""
    from textual.color import Color

    from tui_chat.config import Settings
    from tui_chat.ui.app import ChatApp

    settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k")
    app = ChatApp(settings, save_sessions=False, freeze_gc=False, theme=theme)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        expected = Color.parse(app.current_theme.background or "#000000")
        assert app.screen.styles.background.rgb == expected.rgb
        # A theme chosen later still applies (the skip was once, for the start).
        app.theme = "tui-midnight" if theme != "tui-midnight" else "tui-paper"
        await pilot.pause()
        assert app.screen.styles.background.rgb == Color.parse(app.current_theme.background or "").rgb
