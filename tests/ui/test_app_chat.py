"""The chat flow through the real SDK against the loopback server: typing, sending, streaming,
stop, regenerate, edit, clear, copy, keys."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App

from tests.fakeserver import FakeServer, Reply, chunk, long_markdown, sse_reply, text_reply
from tests.ui.app_support import (
    SIZE,
    make_app,
    replies,
    send,
    settle,
    user_views,
    wait_for,
)
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.ui.widgets.chat_log import ChatLog
from tui_chat.ui.widgets.messages import MessageView
from tui_chat.ui.widgets.reply_body import ReplyBody

TABLE_AND_CODE = (
    "Here you go:\n\n"
    "| language | typing |\n|---|---|\n| Python | dynamic |\n| Rust | static |\n\n"
    "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\n\nDone."
)


def partial(app: object) -> str | None:
    reply = app.conversation.last("assistant")  # type: ignore[attr-defined]
    return reply.content if reply is not None else None


def focused(app: App[Any]) -> object:
    """The focused widget, read afresh (a key press may have moved it)."""
    return app.focused


def selected_content(log: ChatLog) -> str | None:
    view = log.selected
    assert isinstance(view, MessageView), f"selected: {view!r}"
    return view.message.content


def stalled_reply(text: str = "Partial answer so far") -> Reply:
    """Streams `text`, then stalls (until the client goes away)."""
    events: list[dict[str, object] | str] = [chunk(text[:1], role="assistant")]
    events += [chunk(c) for c in text[1:]]
    return sse_reply(events, stall_after=len(events))


async def test_typing_and_enter_sends_and_the_reply_streams_in(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(TABLE_AND_CODE))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"hello there")
        assert app.prompt.text == "hello there"
        await pilot.press("enter")
        await settle(pilot)

        assert app.prompt.text == ""
        assert [(m.role, m.content) for m in app.conversation.messages] == [
            ("user", "hello there"),
            ("assistant", TABLE_AND_CODE),
        ]
        assert [v.message.content for v in user_views(app)] == ["hello there"]
        (reply,) = replies(app)
        assert reply.markdown_source == TABLE_AND_CODE  # the final render equals the reply
        sent = fake_server.chat_requests[0].json
        assert sent["messages"][-1] == {"role": "user", "content": "hello there"}
        assert sent["stream"] is True
        assert app.status_bar.completion_tokens > 0


async def test_keys_typed_in_one_burst_before_enter_are_all_sent(fake_server: FakeServer) -> None:
    """Enter is a priority binding; it must not overtake the keys typed just before it."""
    fake_server.script(text_reply("ok"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        for key in [*"quick", "space", *"burst", "enter"]:  # as a terminal delivers a paste of keys
            app.post_message(events.Key(key, " " if key == "space" else key if len(key) == 1 else "\r"))
        await wait_for(pilot, lambda: len(app.conversation.messages) >= 1)
        await settle(pilot)
        assert app.conversation.messages[0].content == "quick burst"


async def test_ctrl_j_and_shift_enter_insert_newlines(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("multi"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "ctrl+j", "b", "shift+enter", "c")
        assert app.prompt.text == "a\nb\nc"
        await pilot.press("enter")
        await settle(pilot)
        assert app.conversation.messages[0].content == "a\nb\nc"


async def test_a_long_reply_renders_through_the_time_gate_block_by_block(fake_server: FakeServer) -> None:
    text = long_markdown(1500)
    fake_server.script(text_reply(text, chunk_chars=20, delay=0.005))  # ~300 deltas over ~1.5 s
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        before = ReplyBody.updates
        await send(pilot, "long please")
        await settle(pilot)
        (reply,) = replies(app)
        assert reply.markdown_source == text
        updates = ReplyBody.updates - before
        # ~300 deltas arrive; the time gate coalesces them into far fewer updates.
        assert 0 < updates < 100
        assert reply.body.sealed_blocks > 10  # rendered block by block
        assert app.chat_log.is_anchored


async def test_enter_while_streaming_queues_instead_of_sending(fake_server: FakeServer) -> None:
    fake_server.script(stalled_reply())
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: app.controller.busy)
        await pilot.press(*"second", "enter")
        await wait_for(pilot, lambda: app.queued.text == "second")  # queued, not a newline
        assert len(fake_server.chat_requests) == 1  # not sent while the reply streams
        await pilot.press("up")  # taken back: the stop below sends nothing
        await pilot.press("escape")
        await settle(pilot)
        assert app.prompt.text == "second" and len(fake_server.chat_requests) == 1


async def test_escape_stops_mid_stream_and_keeps_the_partial_reply(fake_server: FakeServer) -> None:
    fake_server.script(stalled_reply("Partial answer so far"), text_reply("second answer"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "tell me")
        await wait_for(pilot, lambda: partial(app) == "Partial answer so far")
        assert app.check_action("stop", ()) is True
        await pilot.press("escape")
        await settle(pilot)

        reply = app.conversation.last("assistant")
        assert reply is not None
        assert reply.status == "interrupted" and reply.status_detail == "stopped"
        assert reply.content == "Partial answer so far"
        (view,) = replies(app)
        assert view.markdown_source == "Partial answer so far"
        status = view.query_one(".message-status")
        assert status.display and "Stopped" in str(status.render())
        assert not app.controller.busy and app.status_bar.state == "ready"
        # The prompt is usable and the conversation is valid for the next request.
        await send(pilot, "and now?")
        await settle(pilot)
        second = fake_server.chat_requests[1].json["messages"]
        assert [m["role"] for m in second] == ["user", "assistant", "user"]
        assert second[1]["content"] == "Partial answer so far"


async def test_regenerate_replaces_the_reply_and_keeps_the_old_one(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("first version"), text_reply("second version"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "question")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert [(m.role, m.content) for m in app.conversation.messages] == [
            ("user", "question"),
            ("assistant", "second version"),
        ]
        reply = app.conversation.messages[1]
        siblings = app.conversation.tree.siblings(reply.id)
        assert [m.content for m in siblings] == ["first version", "second version"]
        (view,) = replies(app)
        assert view.markdown_source == "second version"
        assert "‹ 2/2 ›" in str(view.query_one(".message-header").render())
        # The re-run sent the same question without the replaced reply.
        assert [m["role"] for m in fake_server.chat_requests[1].json["messages"]] == ["user"]


async def test_edit_last_message_and_resend_shows_the_new_version_and_keeps_the_old(
    fake_server: FakeServer,
) -> None:
    fake_server.script(text_reply("about cats"), text_reply("about dogs"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "tell me about cats")
        await settle(pilot)
        await pilot.press("ctrl+g")
        assert app.prompt.text == "tell me about cats"
        assert app.prompt.has_class("-editing")
        app.prompt.clear()
        await pilot.press(*"tell me about dogs", "enter")
        await settle(pilot)

        assert [(m.role, m.content) for m in app.conversation.messages] == [
            ("user", "tell me about dogs"),
            ("assistant", "about dogs"),
        ]
        assert [v.message.content for v in user_views(app)] == ["tell me about dogs"]
        assert [v.markdown_source for v in replies(app)] == ["about dogs"]
        (question,) = user_views(app)
        assert "‹ 2/2 ›" in str(question.query_one(".message-header").render())
        siblings = app.conversation.tree.siblings(question.message.id)
        assert [m.content for m in siblings] == ["tell me about cats", "tell me about dogs"]
        assert not app.prompt.has_class("-editing")


async def test_up_in_an_empty_prompt_recalls_and_escape_cancels_the_edit(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("reply"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "original")
        await settle(pilot)
        await pilot.press("up")
        assert app.prompt.text == "original"
        await pilot.press("escape")
        assert app.prompt.text == "" and app.controller.editing is None
        assert len(app.conversation.messages) == 2  # nothing was removed


async def test_new_chat_and_clear_start_a_fresh_conversation(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("one"), text_reply("two"))
    app = make_app(fake_server, system_prompt="Be brief.")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        old = app.conversation
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.conversation is not old and app.conversation.messages == []
        assert app.conversation.system_prompt == "Be brief."
        assert replies(app) == [] and user_views(app) == []
        assert old.messages[-1].content == "one"  # the old conversation is untouched

        await send(pilot, "again")
        await settle(pilot)
        app.controller.set_system_prompt("Changed.")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.conversation.messages == []
        assert app.conversation.system_prompt == "Be brief."  # new chat: the configured default
        assert app.sidebar.cards == []


async def test_copy_last_reply_focused_message_and_code_block(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(TABLE_AND_CODE))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "show code")
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert app.clipboard == TABLE_AND_CODE

        await pilot.press("escape")  # to the log: the newest message is selected
        assert focused(app) is app.chat_log
        assert app.chat_log.selected is replies(app)[0]
        await pilot.press("b")
        assert app.clipboard == "def add(a: int, b: int) -> int:\n    return a + b\n"
        await pilot.press("k")  # up to the user message
        await pilot.press("c")
        assert app.clipboard == "show code"
        await pilot.press("i")
        assert focused(app) is app.prompt


async def test_log_keyboard_navigation_moves_between_messages(fake_server: FakeServer) -> None:
    conversation = Conversation()
    for i in range(5):
        conversation.add(Message(role="user", content=f"question {i}"))
        conversation.add(Message(role="assistant", content=f"answer {i}"))
    app = make_app(fake_server, conversation=conversation)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        log = app.chat_log
        assert selected_content(log) == "answer 4"
        await pilot.press("up", "up", "k")
        assert selected_content(log) == "question 3"
        await pilot.press("j")
        assert selected_content(log) == "answer 3"
        await pilot.press("home")
        assert selected_content(log) == "question 0"
        await pilot.press("end")
        assert selected_content(log) == "answer 4"
        await pilot.press("escape")
        assert focused(app) is app.prompt


async def test_toggle_sidebar_and_it_hides_itself_on_narrow_terminals(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        assert app.sidebar.display
        await pilot.press("ctrl+s")
        assert not app.sidebar.display
        await pilot.press("ctrl+s")
        assert app.sidebar.display
    narrow = make_app(fake_server)
    async with narrow.run_test(size=(90, 30)) as pilot:
        await pilot.pause()
        assert not narrow.sidebar.display
        await pilot.press("ctrl+s")
        assert narrow.sidebar.display


async def test_every_binding_is_in_the_footer_or_the_command_palette(fake_server: FakeServer) -> None:
    from textual.binding import Binding

    from tui_chat.ui.bindings import APP_BINDINGS, LOG_BINDINGS, PROMPT_BINDINGS

    # Variants of a shown binding (same action, another key or state), not separate commands.
    variants = {"recall", "first_message", "last_message", "leave_log", "edit_message"}
    app = make_app(fake_server)
    async with app.run_test(size=SIZE):
        palette = {getattr(c.callback, "__name__", "") for c in app.get_system_commands(app.screen)}
        for binding in [*APP_BINDINGS, *PROMPT_BINDINGS, *LOG_BINDINGS]:
            assert isinstance(binding, Binding) and binding.id, binding
            action = binding.action.removeprefix("app.").split("(")[0]
            in_palette = f"action_{action}" in palette
            assert binding.show or in_palette or binding.id in variants, (
                f"{binding.id} is neither in the footer nor the command palette"
            )


async def test_the_log_follows_the_stream_unless_scrolled_up_and_reattaches_at_the_bottom(
    fake_server: FakeServer,
) -> None:
    fake_server.script(text_reply(long_markdown(4000), chunk_chars=8, delay=0.004))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        log = app.chat_log
        await send(pilot, "stream a lot")
        await wait_for(pilot, lambda: log.max_scroll_y > 40)
        assert log.scroll_y == log.max_scroll_y  # following

        log.scroll_page_up(animate=False)  # the user scrolls up to read
        await pilot.pause()
        reading_at = log.scroll_y
        grown_from = log.max_scroll_y
        await wait_for(pilot, lambda: log.max_scroll_y > grown_from + 20)
        assert log.scroll_y == reading_at  # left alone while text keeps arriving

        log.scroll_to(y=log.max_scroll_y, animate=False)  # back to the bottom (wheel, End)
        await pilot.pause()
        grown_from = log.max_scroll_y
        await wait_for(pilot, lambda: log.max_scroll_y > grown_from + 20)
        # Following again (the anchor scrolls after the layout: wait for it, not one frame).
        await wait_for(pilot, lambda: log.scroll_y == log.max_scroll_y)
        await pilot.press("escape")
        await settle(pilot)


async def test_keys_scroll_back_while_a_reply_streams_and_end_follows_again(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(long_markdown(6000), chunk_chars=8, delay=0.004))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        log = app.chat_log
        marker = log.new_text_below
        await send(pilot, "stream a lot")
        await wait_for(pilot, lambda: log.max_scroll_y > 40)
        assert log.following and not marker.display

        await pilot.press("pageup")  # in the prompt: to the log, a page up; the reply goes on
        assert app.focused is log
        assert app.controller.busy
        await wait_for(pilot, lambda: marker.display)  # new text arrived below
        reading_at = log.scroll_y
        assert reading_at < log.max_scroll_y
        grown_from = log.max_scroll_y
        await wait_for(pilot, lambda: log.max_scroll_y > grown_from + 20)
        assert log.scroll_y == reading_at  # no snapping back on the next tokens

        await pilot.press("up")  # the previous message: still not following
        await wait_for(pilot, lambda: log.max_scroll_y > log.scroll_y + 20)
        assert not log.following and marker.display

        await pilot.press("end")
        await pilot.pause()
        assert log.following and not marker.display
        grown_from = log.max_scroll_y
        await wait_for(pilot, lambda: log.max_scroll_y > grown_from + 20)
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        assert app.controller.busy  # nothing of this stopped the reply
        await pilot.press("escape")
        await settle(pilot)


async def test_the_wheel_stops_following_and_the_marker_jumps_back(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(long_markdown(6000), chunk_chars=8, delay=0.004))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        log = app.chat_log
        marker = log.new_text_below
        await send(pilot, "stream a lot")
        await wait_for(pilot, lambda: log.max_scroll_y > 40)
        for _ in range(5):  # the wheel over the log, as the driver delivers it
            log.post_message(events.MouseScrollUp(log, 10, 5, 0, -1, 0, False, False, False))
            await pilot.pause()
        await wait_for(pilot, lambda: marker.display)
        reading_at = log.scroll_y
        assert reading_at < log.max_scroll_y - 5

        await pilot.click(marker)
        await pilot.pause()
        assert log.following and not marker.display
        grown_from = log.max_scroll_y
        await wait_for(pilot, lambda: log.max_scroll_y > grown_from + 20)
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        await pilot.press("escape")
        await settle(pilot)


async def test_ctrl_up_moves_to_the_log_without_stopping_or_unfollowing(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(long_markdown(3000), chunk_chars=8, delay=0.004))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        log = app.chat_log
        await send(pilot, "stream a lot")
        await wait_for(pilot, lambda: log.max_scroll_y > 20)
        await pilot.press("ctrl+up")
        assert app.focused is log and app.controller.busy and log.following
        await pilot.press("c")  # copy the selected message works from the log meanwhile
        await pilot.press("i")  # and back to the prompt
        assert focused(app) is app.prompt
        await settle(pilot)
        assert log.scroll_y == log.max_scroll_y
