"""No crash at any terminal size: the main screen while a reply streams (a tool call, a table,
a code block) with the sidebar on and off, every modal at the smallest sizes, and a short
notice instead of a broken layout below a usable size.

One app walks through many sizes with `pilot.resize_terminal` (a resize is what a user does,
and one app per size would cost seconds each); every listed width meets every listed height."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.pilot import Pilot

from tests.fakeserver import FakeServer, chunk, sse_reply, tool_calls_reply
from tests.ui.app_support import make_app, send, settle, wait_for
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.ui.app import ChatApp

WIDTHS = (20, 27, 34, 40, 50, 60, 80, 100, 120, 160, 200)
HEIGHTS = (6, 12, 24, 40)
# The modals at the smallest sizes (each opens at 40x12): the narrowest, the lowest, both.
ABOUT_A_THIRD = 0.39  # the sidebar's share at most: its full 46 columns from 118 columns up
SMALLEST = ((20, 12), (20, 6), (40, 6))

REPLY = """\
The tool says 4. A table and some code:

| name | characters | note |
|------|-----------:|------|
| same | 4 | the word itself |
| different | 9 | a longer one, to make the column wrap at narrow widths |

```python
def count(text: str) -> int:
    return len(text)  # a line long enough to be cut off on a narrow terminal
```

And the reply goes on"""


def script_a_reply_that_keeps_streaming(server: FakeServer) -> None:
    """A tool call, then the reply above, which then stalls: it is still streaming while the
    test resizes (the app stops it at the end)."""
    pieces = [REPLY[i : i + 6] for i in range(0, len(REPLY), 6)]
    events: list[dict[str, object] | str] = [chunk(pieces[0], role="assistant")]
    events += [chunk(piece) for piece in pieces[1:]]
    server.script(
        tool_calls_reply(("count_string", '{"string": "same"}')),
        sse_reply(events, stall_after=len(events)),
    )


def snake(widths: tuple[int, ...], heights: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """Every width with every height, each step changing one dimension (grow and shrink)."""
    for n, width in enumerate(widths):
        for height in heights if n % 2 == 0 else reversed(heights):
            yield width, height


async def show_size(pilot: Pilot[Any], width: int, height: int) -> str:
    """Resize, let the layout settle, paint the whole screen; its text."""
    app = pilot.app
    await pilot.resize_terminal(width, height)
    await wait_for(pilot, lambda: app.screen.size == (width, height))
    await pilot.pause()
    text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
    assert app.return_code is None, f"the app exited at {width}x{height}"
    return text


def assert_prompt_usable(app: ChatApp, where: str) -> None:
    prompt = app.prompt
    assert prompt.display and prompt.content_size.width >= 1, f"{where}: the prompt has no room"
    region = prompt.region
    assert region.width >= 1 and region.height >= 1, f"{where}: the prompt is off screen"
    assert app.screen.region.contains_region(region), f"{where}: the prompt is cut off"


async def test_every_size_with_the_sidebar_on_and_off_while_a_reply_streams(
    fake_server: FakeServer,
) -> None:
    script_a_reply_that_keeps_streaming(fake_server)
    app = make_app(fake_server, timeout=120.0)  # the stalled stream must outlast the sweep
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "count the characters in 'same'")
        await wait_for(pilot, lambda: "And the reply" in (app.conversation.messages[-1].content or ""))
        assert app.controller.busy
        # The sidebar flips at every step: each width and each height is seen with it on and off.
        # (ctrl+s's action, without a layout pass of its own: the resize lays both out at once)
        for width, height in snake(WIDTHS, HEIGHTS):
            app.action_toggle_sidebar()
            await show_size(pilot, width, height)
            assert_prompt_usable(app, f"{width}x{height}, sidebar {app.sidebar.display}")
        assert app.controller.busy  # still streaming through every size
        await pilot.press("escape")
        await settle(pilot)
        # The prompt still takes text and sends it.
        await show_size(pilot, 20, 6)
        fake_server.script()
        await send(pilot, "still here")
        await settle(pilot)
        assert app.conversation.last("user").content == "still here"  # type: ignore[union-attr]


async def test_the_prompt_crash_at_40x12_after_a_reply_and_ctrl_s(fake_server: FakeServer) -> None:
    """The reported crash: 40x12, send, ctrl+s (the sidebar took the prompt's whole width)."""
    app = make_app(fake_server)
    async with app.run_test(size=(40, 12)) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await show_size(pilot, 40, 12)
        assert app.sidebar.display
        assert_prompt_usable(app, "40x12 with the sidebar")
        assert app.sidebar.size.width <= 40 * ABOUT_A_THIRD


async def test_below_a_usable_size_a_notice_replaces_the_layout(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press(*"kept")
        for width, height in ((19, 12), (40, 5), (10, 3)):
            text = " ".join((await show_size(pilot, width, height)).split())
            assert "too small" in text.lower(), f"{width}x{height}: {text!r}"
        text = await show_size(pilot, 40, 12)
        assert "too small" not in text.lower()
        assert_prompt_usable(app, "back at 40x12")
        assert app.focused is app.prompt and app.prompt.text == "kept"
        await pilot.press("!")
        assert app.prompt.text == "kept!"


def saved_conversation() -> Conversation:
    conversation = Conversation(model="fake-model")
    conversation.add(Message("user", "an earlier question with a long title to wrap"))
    conversation.add(Message("assistant", "an earlier answer"))
    return conversation


async def test_every_modal_at_the_smallest_sizes(fake_server: FakeServer) -> None:
    app = make_app(fake_server, conversation=saved_conversation())
    # (key that opens it, how to tell it is open)
    modals = [
        ("ctrl+o", "SessionBrowser"),
        ("f2", "ModelPickerScreen"),
        ("f3", "SystemPromptScreen"),
        ("f4", "ToolPoliciesScreen"),
        ("ctrl+p", "CommandPalette"),
    ]
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        for key, name in [*modals, ("settings", "SettingsScreen")]:
            await show_size(pilot, 40, 12)
            if key == "settings":
                app.action_settings()
            else:
                await pilot.press(key)
            await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name)  # type: ignore[misc]
            for width, height in SMALLEST:
                await show_size(pilot, width, height)
            await pilot.press("escape")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ChatScreen")
        assert_prompt_usable(app, "after the modals")


async def test_the_tool_confirmation_and_session_dialogs_at_the_smallest_sizes(
    fake_server: FakeServer,
) -> None:
    fake_server.script(tool_calls_reply(("count_string", '{"string": "' + "long argument " * 20 + '"}')))
    app = make_app(fake_server, conversation=saved_conversation())
    async with app.run_test(size=(40, 12)) as pilot:
        app.registry.set_policy("count_string", "ask")  # type: ignore[union-attr]
        await send(pilot, "count it")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmToolScreen")
        for width, height in SMALLEST:
            await show_size(pilot, width, height)
        await pilot.press("n")
        await settle(pilot)
        # The browser's own dialogs: rename and confirm delete (of a session not open).
        await show_size(pilot, 40, 12)
        await pilot.press("ctrl+n", "ctrl+o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SessionBrowser")
        await pilot.press("down")
        for key, name in (("r", "RenameSessionScreen"), ("d", "ConfirmDeleteScreen")):
            await show_size(pilot, 40, 12)
            await pilot.press(key)
            await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name)  # type: ignore[misc]
            for width, height in SMALLEST:
                await show_size(pilot, width, height)
            await pilot.press("escape")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "SessionBrowser")


async def test_the_sidebar_follows_the_new_width_and_keeps_to_a_third(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=(120, 40)) as pilot:
        await show_size(pilot, 120, 40)
        assert app.sidebar.display
        for width, shown in ((80, False), (120, True), (99, False), (100, True), (200, True)):
            await show_size(pilot, width, 40)
            assert app.sidebar.display is shown, f"at {width} columns"
            if shown:
                assert app.sidebar.region.width <= width * ABOUT_A_THIRD
                assert app.query_one("#chat").region.width >= width * (1 - ABOUT_A_THIRD)
        # Toggled on by hand it stays on at any width, still within a third.
        await show_size(pilot, 60, 24)
        await pilot.press("ctrl+s")
        await show_size(pilot, 60, 24)
        assert app.sidebar.display and app.sidebar.region.width <= 60 * ABOUT_A_THIRD


async def test_the_footer_drops_the_least_important_keys_and_never_cuts_one(fake_server: FakeServer) -> None:
    from textual.widgets._footer import FooterKey

    script_a_reply_that_keeps_streaming(fake_server)
    app = make_app(fake_server, timeout=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        for streaming in (False, True):
            if streaming:
                await send(pilot, "count the characters in 'same'")
                await wait_for(pilot, lambda: app.controller.busy)
            for width in (120, 80, 60, 40, 20):
                await show_size(pilot, width, 24)
                await pilot.pause()
                keys = list(app.query_one("#footer").query_children(FooterKey))
                palette = next(key for key in keys if key.has_class("-command-palette"))
                shown = [key for key in keys if key.display and key is not palette]
                where = f"{width} columns, streaming={streaming}"
                assert all(key.region.right <= palette.region.x for key in shown), where
                assert shown[0].action == "send", where  # Enter sends (or queues) in every state
                if width >= 60:
                    labels = [key.description for key in shown]
                    assert "Quit" in labels and ("Stop" if streaming else "Messages") in labels, where
                if width == 120:
                    assert "New chat" in [key.description for key in shown], where
        await pilot.press("escape")
