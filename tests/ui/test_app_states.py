"""Errors, untrusted text, long conversations, first run, tools and confirmation, and the palette's
screens (model, system prompt, tool policies)."""

from __future__ import annotations

import tomllib

from textual.widgets import Input, OptionList, Static, TextArea

from tests.fakeserver import (
    FakeServer,
    RecordedRequest,
    chunk,
    error_reply,
    sse_reply,
    text_reply,
    tool_calls_reply,
)
from tests.ui.app_support import SIZE, errors, make_app, replies, send, settle, user_views, wait_for
from tui_chat import paths
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.ui.app import ChatApp
from tui_chat.ui.widgets.log_window import INITIAL, WINDOW
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView, OlderMessages, WelcomeMessage

INJECTION = "Look: [bold red]not red[/] and \x1b[31mANSI red\x1b[0m, a bell\x07 and [link=x]y[/link]."


def screen_text(app: ChatApp) -> str:
    """Everything on screen as plain text (what a terminal would show)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


# --- errors -----------------------------------------------------------------------------------------


async def test_401_shows_a_clear_error_and_the_prompt_stays_usable(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(401, "Incorrect API key provided."), text_reply("now it works"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello")
        await settle(pilot)
        (error,) = errors(app)
        assert error.kind == "auth"
        shown = str(error.render())
        assert "Authentication failed" in shown and "api key" in shown.lower()
        assert app.conversation.messages[0].content == "hello"  # conversation intact
        assert app.focused is app.prompt and not app.controller.busy
        await send(pilot, "retry")
        await settle(pilot)
        assert replies(app)[-1].markdown_source == "now it works"


async def test_a_dropped_connection_keeps_the_partial_reply_and_says_so(fake_server: FakeServer) -> None:
    events: list[dict[str, object] | str] = [chunk("Half", role="assistant"), chunk(" an answer")]
    fake_server.script(sse_reply(events, done=False, drop_after=2))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "go")
        await settle(pilot)
        (error,) = errors(app)
        assert error.kind in ("connection", "protocol")
        reply = app.conversation.last("assistant")
        assert reply is not None and reply.content == "Half an answer" and reply.status == "error"
        assert replies(app)[0].markdown_source == "Half an answer"


async def test_sending_with_regenerate_after_an_error_retries(fake_server: FakeServer) -> None:
    fake_server.script(error_reply(500, "boom"), text_reply("recovered"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "try")
        await settle(pilot)
        assert errors(app)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert errors(app) == []  # the failed exchange's widgets were replaced
        assert [(m.role, m.content) for m in app.conversation.messages] == [
            ("user", "try"),
            ("assistant", "recovered"),
        ]


# --- untrusted text ------------------------------------------------------------------------------------


async def test_markup_and_ansi_in_a_reply_show_literally(fake_server: FakeServer) -> None:
    fake_server.script(text_reply(INJECTION))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "[b]me too[/b] \x1b[2J")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]not red[/]" in text
        assert "␛[31mANSI red␛[0m" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "[b]me too[/b] ␛[2J" in text  # the user's own message too
        assert "[link=x]y[/link]" in text
        # The conversation keeps the exact text; only the display is cleaned.
        assert app.conversation.last("assistant").content == INJECTION  # type: ignore[union-attr]


async def test_markup_in_tool_names_arguments_and_results_shows_literally(fake_server: FakeServer) -> None:
    conversation = Conversation()
    conversation.add(Message(role="user", content="use a tool"))
    call = ToolCall("call_1", "count_string", '{"string": "[red]x[/] \\u001b[1m"}')
    conversation.add(Message(role="assistant", content="", tool_calls=[call]))
    conversation.add(
        Message(
            role="tool",
            content="[bold]11[/bold]\x1b[0m",
            tool_call_id="call_1",
            name="count_string",
            activity=ToolActivity(status="error", duration=0.01, error="[bold]11[/bold]\x1b[0m"),
        )
    )
    app = make_app(fake_server, conversation=conversation)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[red]x[/]" in text and "[bold]11[/bold]␛[0m" in text
        assert "\x1b" not in text


# --- long conversations --------------------------------------------------------------------------------


def long_conversation(pairs: int) -> Conversation:
    conversation = Conversation()
    for i in range(pairs):
        conversation.add(Message(role="user", content=f"question {i}"))
        conversation.add(Message(role="assistant", content=f"answer **{i}**"))
    return conversation


async def test_reopening_a_long_conversation_mounts_the_tail_and_loads_more_on_scroll_up(
    fake_server: FakeServer,
) -> None:
    conversation = long_conversation(150)  # 300 messages
    app = make_app(fake_server, conversation=conversation)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        log = app.chat_log
        views = list(log.query(MessageView))
        assert len(views) == INITIAL  # about a screenful
        assert views[-1].message.content == "answer **149**"
        older = log.query_one(OlderMessages)
        assert "284 earlier messages" in str(older.render())
        assert log.scroll_y == log.max_scroll_y  # opened at the bottom

        log.scroll_home(animate=False)
        # Where the oldest message shows at the top (from a frame that has it on screen: right
        # after the scroll, a busy machine may not have laid it out yet).
        await wait_for(pilot, lambda: log.region.y <= views[0].region.y < log.region.bottom)
        top_before = views[0].region.y
        await wait_for(pilot, lambda: len(log.query(MessageView)) == INITIAL + WINDOW)
        first = log.query(MessageView).first()
        assert first.message.content == "question 122"
        # The view stays on what the user was reading: the old top is still at the top (once
        # the layout after the load settled: a single frame is not enough on a busy machine).
        await wait_for(pilot, lambda: log.scroll_y > 0 and views[0].region.y == top_before)
        # Keep going to the very top: everything loads and the indicator goes away.
        for _ in range(10):
            log.scroll_home(animate=False)
            await pilot.pause()
            if not log.query(OlderMessages):
                break
            await wait_for(pilot, lambda: log.scroll_y > 0 or not log.query(OlderMessages))
        assert len(log.query(MessageView)) == 300
        assert not log.query(OlderMessages)


async def test_a_reply_in_a_long_session_is_followed_and_old_widgets_are_pruned(
    fake_server: FakeServer,
) -> None:
    fake_server.script(*[text_reply(f"reply {i}") for i in range(3)])
    app = make_app(fake_server, conversation=long_conversation(60))
    async with app.run_test(size=SIZE) as pilot:
        log = app.chat_log
        log.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(log.query(MessageView)) > WINDOW)
        await send(pilot, "new question")  # sending follows the conversation again
        await settle(pilot)
        await wait_for(pilot, lambda: log.scroll_y == log.max_scroll_y)
        assert len(log.query(MessageView)) <= 2 * WINDOW + 2


# --- first run ------------------------------------------------------------------------------------------


async def test_first_run_without_key_or_url_opens_and_explains_how_to_configure() -> None:
    app = ChatApp(freeze_gc=False, save_sessions=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "not connected to a model yet" in screen_text(app)
        welcome = app.chat_log.query_one(WelcomeMessage).source
        for advice in ("export OPENAI_API_KEY=sk-...", "--base-url http://localhost:11434/v1", "config path"):
            assert advice in welcome
        assert app.status_bar.state == "not configured"
        await pilot.press(*"hello", "enter")
        await pilot.pause()
        (error,) = errors(app)
        assert error.kind == "config" and "OPENAI_API_KEY" in error.text
        assert app.prompt.text == "hello"  # kept, so nothing typed is lost
        assert app.conversation.messages == []


# --- tools ----------------------------------------------------------------------------------------------


async def test_parallel_tool_calls_show_in_the_sidebar_and_inline(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what's the date and time?")
        await settle(pilot)
        cards = app.sidebar.cards
        assert [c.tool_name for c in cards] == ["get_current_date", "get_current_time"]
        assert all(c.status == "ok" for c in cards)
        lines = [line for view in replies(app) for line in view.tool_lines.values()]
        assert [(line.tool_name, line.status) for line in lines] == [
            ("get_current_date", "ok"),
            ("get_current_time", "ok"),
        ]
        assert replies(app)[-1].markdown_source.startswith("The tool returned:")


async def test_the_sidebar_shows_arguments_while_they_stream(fake_server: FakeServer) -> None:
    arguments = '{"string": "' + "x" * 200 + '"}'
    stall = tool_calls_reply(("count_string", arguments), fragment_chars=10)
    events = list(stall.events(fake_server_request()))  # type: ignore[operator]
    fake_server.script(sse_reply(events[: len(events) // 2], stall_after=len(events) // 2))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count")
        await wait_for(pilot, lambda: bool(app.sidebar.cards) and len(app.sidebar.cards[0].arguments) > 20)
        card = app.sidebar.cards[0]
        assert arguments.startswith(card.arguments) and card.arguments != arguments
        line = replies(app)[0].tool_lines[card.call_id]
        assert arguments.startswith(line.arguments)
        await pilot.press("escape")
        await settle(pilot)
        # Stopped before the call completed: nothing is left unanswered.
        api = app.conversation.to_api()
        call_ids = [c["id"] for m in api if m["role"] == "assistant" for c in m.get("tool_calls", [])]
        answered = [m["tool_call_id"] for m in api if m["role"] == "tool"]
        assert call_ids == answered


def fake_server_request() -> RecordedRequest:
    return RecordedRequest("POST", "/v1/chat/completions", {}, {"messages": []})


def ask_policy_app(fake_server: FakeServer) -> ChatApp:
    return make_app(fake_server, tool_policies={"count_string": "ask"})


async def test_confirmation_allow_once_runs_the_tool(fake_server: FakeServer) -> None:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    app = ask_policy_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count the characters in 'hello world'")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        assert app.status_bar.state == "confirm"
        # The dialog says what the tool does, from its registered description.
        description = app.screen.query_one("#confirm-tool-description", Static)
        assert "Count the characters" in str(description.render())
        await pilot.press("enter")
        await settle(pilot)
        tool = app.conversation.last("tool")
        assert tool is not None and tool.activity is not None and tool.activity.status == "ok"
        assert tool.content == "11"
        assert app.registry is not None and app.registry.policy("count_string") == "ask"


async def test_confirmation_deny_refuses_and_the_model_is_told(fake_server: FakeServer) -> None:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    app = ask_policy_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count the characters in 'hello world'")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        await pilot.press("n")
        await settle(pilot)
        tool = app.conversation.last("tool")
        assert tool is not None and tool.activity is not None and tool.activity.status == "refused"
        assert app.sidebar.cards[0].status == "refused"
        line = next(iter(replies(app)[0].tool_lines.values()))
        assert line.status == "refused"
        last_request = fake_server.chat_requests[-1].json["messages"]
        assert last_request[-1]["role"] == "tool" and "not" in last_request[-1]["content"]


async def test_confirmation_always_saves_the_policy(fake_server: FakeServer) -> None:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    app = ask_policy_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count the characters in 'hello world'")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        await pilot.press("a")
        await settle(pilot)
        assert app.registry is not None and app.registry.policy("count_string") == "always"
        saved = tomllib.loads(paths.config_file().read_text())
        assert saved["tools"]["policies"]["count_string"] == "always"


async def test_stopping_while_the_confirmation_is_open_leaves_a_valid_conversation(
    fake_server: FakeServer,
) -> None:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    fake_server.script(tool_calls_reply(("count_string", '{"string": "abc"}')), text_reply("after the stop"))
    app = ask_policy_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "count")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmToolScreen))
        app.action_stop()
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmToolScreen)
        tool = app.conversation.last("tool")
        # The user stopped the turn: the call says "stopped", not "refused", everywhere.
        assert tool is not None and tool.activity is not None and tool.activity.status == "stopped"
        assert app.sidebar.cards[0].status == "stopped"
        line = next(iter(replies(app)[0].tool_lines.values()))
        assert line.status == "stopped"
        await send(pilot, "next")
        await settle(pilot)
        assert replies(app)[-1].markdown_source == "after the stop"


# --- palette screens -----------------------------------------------------------------------------------


async def test_switch_model_from_the_server_list(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("from the large model"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 2)
        await pilot.press(*"large", "enter")
        await pilot.pause()
        assert app.current_model == "fake-model-large" and app.status_bar.model == "fake-model-large"
        await send(pilot, "hi")
        await settle(pilot)
        assert fake_server.chat_requests[-1].json["model"] == "fake-model-large"


async def test_switch_model_by_typing_a_name_the_server_does_not_list(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count == 2)
        await pilot.press(*"my-own-model", "enter")
        await pilot.pause()
        assert app.current_model == "my-own-model"


async def test_edit_the_system_prompt(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("ok"))
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        area = app.screen.query_one(TextArea)
        area.insert("Answer in French.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.conversation.system_prompt == "Answer in French."
        await send(pilot, "hello")
        await settle(pilot)
        assert fake_server.chat_requests[-1].json["messages"][0] == {
            "role": "system",
            "content": "Answer in French.",
        }


async def test_tool_policies_cycle_and_save(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        options = app.screen.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "count_string" in names
        options.highlighted = names.index("count_string")
        await pilot.press("space")
        assert app.registry is not None and app.registry.policy("count_string") == "never"
        await pilot.press("enter")
        assert app.registry.policy("count_string") == "ask"
        saved = tomllib.loads(paths.config_file().read_text())
        assert saved["tools"]["policies"]["count_string"] == "ask"
        await pilot.press("escape")
        assert not app.screen.query(OptionList) or app.screen is app.screen_stack[0]


async def test_command_palette_lists_the_chat_commands(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Model: switch", "System prompt: edit", "Tools: policies", "Chat: regenerate"):
            assert any(t.startswith(expected) for t in titles)
        await pilot.press("ctrl+p")
        await pilot.press(*"model")
        await pilot.pause()
        assert app.screen.query_one(Input).value == "model"


def _unused() -> tuple[object, ...]:
    return (AssistantMessage, user_views)
