"""Enter while a reply streams queues the message: shown above the prompt, sent when the turn
ends, and up in the empty prompt takes it back. Nothing typed is lost."""

from __future__ import annotations

from tests.fakeserver import FakeServer, Reply, chunk, error_reply, sse_reply, text_reply
from tests.ui.app_support import SIZE, make_app, send, settle, wait_for
from tests.ui.test_app_states import screen_text
from tui_chat.ui.app import ChatApp


def streaming() -> Reply:
    """A reply that keeps streaming until stopped: the queue is seen while it runs."""
    return sse_reply([chunk("Still ", role="assistant"), chunk("going")], stall_after=2)


def user_texts(app: ChatApp) -> list[str]:
    return [m.content or "" for m in app.conversation.messages if m.role == "user"]


async def test_a_message_sent_while_streaming_is_queued_then_sent(fake_server: FakeServer) -> None:
    fake_server.script(streaming(), text_reply("second answer"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: app.controller.busy)
        await send(pilot, "second, typed while it streams")
        await wait_for(pilot, lambda: app.queued.display)
        assert app.prompt.text == "" and user_texts(app) == ["first"]
        assert "Queued: second, typed while it streams" in screen_text(app)
        app.action_stop()  # the turn ends (stopped, not failed): the queued message goes
        await wait_for(pilot, lambda: user_texts(app) == ["first", "second, typed while it streams"])
        await settle(pilot)
        assert not app.queued.display
        assert app.conversation.messages[-1].content == "second answer"


async def test_up_in_the_empty_prompt_takes_the_queued_message_back(fake_server: FakeServer) -> None:
    fake_server.script(streaming())
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: app.controller.busy)
        await send(pilot, "never mind")
        await wait_for(pilot, lambda: app.queued.display)
        await pilot.press("up")
        assert app.prompt.text == "never mind" and not app.queued.display
        app.prompt.clear()  # deleted: it is not sent
        app.action_stop()
        await settle(pilot)
        assert user_texts(app) == ["first"]


async def test_a_queued_message_after_a_failed_reply_goes_back_to_the_prompt(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(500, "boom"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.insert("first")
        app.queued.show("queued before the failure")  # as if typed while it streamed
        await pilot.press("enter")
        await settle(pilot)
        assert app.prompt.text == "queued before the failure"
        assert user_texts(app) == ["first"]


async def test_new_chat_keeps_a_queued_message_in_the_prompt(fake_server: FakeServer) -> None:
    fake_server.script(streaming())
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: app.controller.busy)
        await send(pilot, "keep me")
        await wait_for(pilot, lambda: app.queued.display)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.prompt.text == "keep me" and app.conversation.messages == []
