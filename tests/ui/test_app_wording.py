"""What the status bar and the log say: an unreachable server, a cut-off reply (once), and turn
numbers that match between the live session and the same session reopened."""

from __future__ import annotations

import socket

from tests.fakeserver import FakeServer, error_reply, text_reply
from tests.ui.app_support import SIZE, make_app, send, settle, wait_for
from tests.ui.test_app_states import screen_text
from tui_chat.ui.app import ChatApp


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more


async def test_a_closed_port_says_unreachable_until_a_request_gets_through(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        assert app.client is not None
        working = app.client.base_url
        app.client.base_url = closed_port_url()
        await send(pilot, "hello?")
        await settle(pilot)
        assert app.status_bar.state == "unreachable"
        assert "unreachable" in screen_text(app).splitlines()[0]
        app.client.base_url = working
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.status_bar.state == "ready"


async def test_a_rate_limit_says_when_it_retries_then_streams(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(429, "slow down", headers={"Retry-After": "2"}), text_reply("made it"))
    app = make_app(fake_server, max_retries=2)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello?")
        notice = "rate limited, retrying in 2 s (1 of 2)"
        await wait_for(pilot, lambda: notice in screen_text(app), what="the retry notice")
        assert notice in screen_text(app).splitlines()[0]  # the status bar
        assert "waiting for the model" not in screen_text(app)  # the log says it too
        await settle(pilot)
        assert app.status_bar.state == "ready"
        assert "made it" in screen_text(app) and "rate limited" not in screen_text(app)


async def test_a_cut_off_reply_is_announced_once(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("partial answer", finish_reason="length"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        # The warning is mounted as the turn ends: wait for a frame that has it (on a busy
        # machine the frame after `settle` may not yet).
        await wait_for(pilot, lambda: "maximum length" in screen_text(app).lower())
        text = screen_text(app).lower()
        assert text.count("cut off") == 1
        assert "maximum length" in text and "partial answer" in text


async def turn_numbers(app: ChatApp) -> list[int]:
    return [turn.number for turn in app.sidebar.turns]


async def test_turn_numbers_are_the_same_live_after_regenerate_and_edit_and_reopened(
    fake_server: FakeServer,
) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count the characters in 'abc'")
        await settle(pilot)
        await send(pilot, "count the characters in 'de'")
        await settle(pilot)
        assert await turn_numbers(app) == [1, 2]
        await pilot.press("ctrl+r")  # the second turn again
        await settle(pilot)
        assert await turn_numbers(app) == [1, 2]
        await pilot.press("ctrl+g", "enter")  # edit the last message, resend it
        await settle(pilot)
        assert await turn_numbers(app) == [1, 2]
        await app.load_conversation(app.conversation)  # reopened
        app.sidebar.show_history(app.conversation)
        assert await turn_numbers(app) == [1, 2]
