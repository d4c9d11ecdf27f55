"""The app saves every conversation as it happens, and opens saved ones (browser, --session)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette

from tests.commands.helpers import run_cli
from tests.fakeserver import FakeServer, RecordedRequest, Reply, chunk, long_markdown, text_reply
from tests.ui.app_support import SIZE, long_session, replies, send, settings_for, settle, user_views, wait_for
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.store import SessionStore
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.session_browser import SessionBrowser
from tui_chat.ui.widgets.log_window import INITIAL
from tui_chat.ui.widgets.messages import MessageView, OlderMessages


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.db"


def saved(db_path: Path, session_id: str) -> Conversation:
    """What a second instance (its own connection) reads back."""
    with SessionStore.open(db_path) as other:
        return other.load(session_id)


def saved_ids(db_path: Path) -> list[str]:
    with SessionStore.open(db_path) as other:
        return [s.id for s in other.list_sessions(include_archived=True)]


def chat_app(
    server: FakeServer, db_path: Path, conversation: Conversation | None = None, **settings: Any
) -> ChatApp:
    return ChatApp(
        settings_for(server, **settings),
        conversation=conversation,
        store=SessionStore.open(db_path),
        freeze_gc=False,
    )


def texts(conversation: Conversation) -> list[tuple[str, str | None]]:
    return [(m.role, m.content) for m in conversation.messages]


async def test_a_sent_message_and_its_reply_are_saved(fake_server: FakeServer, db_path: Path) -> None:
    seen_by_server: list[list[tuple[str, str | None]]] = []

    def reply_after_checking_the_store(req: RecordedRequest) -> list[dict[str, Any] | str]:
        with SessionStore.open(db_path) as other:  # the request is out: is the question on disk?
            session_id = other.most_recent_id()
            seen_by_server.append(texts(other.load(session_id)) if session_id else [])
        return [chunk("Blue, mostly.", role="assistant"), chunk(finish_reason="stop")]

    fake_server.script(Reply(events=reply_after_checking_the_store))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What colour is the sky?")
        await settle(pilot)
        assert app.sessions is not None
        await app.sessions.flush()

        conversation = saved(db_path, app.conversation.id)
        assert texts(conversation) == [("user", "What colour is the sky?"), ("assistant", "Blue, mostly.")]
        assert conversation.title == "What colour is the sky?"
        assert conversation.model == "fake-model"
    assert seen_by_server[0][0] == ("user", "What colour is the sky?")


async def test_quitting_mid_reply_saves_the_partial_reply_as_interrupted(
    fake_server: FakeServer, db_path: Path
) -> None:
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "long 2000 at 100")
        await wait_for(pilot, lambda: bool(app.conversation.messages[-1].content))
        session_id = app.conversation.id
        await pilot.press("ctrl+q")
    reply = saved(db_path, session_id).messages[-1]
    assert reply.status == "interrupted"
    full = long_markdown(2000)
    assert reply.content and full.startswith(reply.content) and len(reply.content) < len(full)


async def test_stop_keeps_the_partial_reply_saved_as_interrupted(
    fake_server: FakeServer, db_path: Path
) -> None:
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "long 2000 at 100")
        await wait_for(pilot, lambda: bool(app.conversation.messages[-1].content))
        await pilot.press("escape")
        await settle(pilot)
        assert app.sessions is not None
        await app.sessions.flush()
        shown = app.conversation.messages[-1].content
        reply = saved(db_path, app.conversation.id).messages[-1]
        assert reply.status == "interrupted" and reply.content == shown


async def test_regenerate_replaces_the_saved_reply(fake_server: FakeServer, db_path: Path) -> None:
    fake_server.script(text_reply("First answer."), text_reply("Second answer."))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "Answer me")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.sessions is not None
        await app.sessions.flush()
        conversation = saved(db_path, app.conversation.id)
    assert texts(conversation) == [("user", "Answer me"), ("assistant", "Second answer.")]
    assert conversation.messages[-1].previous_versions == ["First answer."]


async def test_clear_and_new_chat_keep_the_old_session_saved(fake_server: FakeServer, db_path: Path) -> None:
    fake_server.script(text_reply("One."), text_reply("Two."))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first chat")
        await settle(pilot)
        first = app.conversation.id
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.conversation.id != first and user_views(app) == []
        await pilot.press("ctrl+n")  # an empty chat is not saved
        await pilot.pause()
        await send(pilot, "second chat")
        await settle(pilot)
        assert app.sessions is not None
        await app.sessions.flush()
        second = app.conversation.id

        assert texts(saved(db_path, first)) == [("user", "first chat"), ("assistant", "One.")]
        assert texts(saved(db_path, second)) == [("user", "second chat"), ("assistant", "Two.")]
        assert saved_ids(db_path) == [second, first]


def tool_conversation() -> Conversation:
    conversation = Conversation(model="fake-model-large", system_prompt="Answer like a pirate.")
    conversation.add(Message("user", "How long is strawberry?"))
    conversation.add(
        Message("assistant", "", tool_calls=[ToolCall("call_1", "count_string", '{"string": "strawberry"}')])
    )
    conversation.add(
        Message(
            "tool",
            "10",
            tool_call_id="call_1",
            name="count_string",
            activity=ToolActivity(status="ok", duration=0.01, arguments='{"string": "strawberry"}'),
        )
    )
    conversation.add(Message("assistant", "Arr, 10 letters."))
    return conversation


async def test_a_reopened_session_shows_its_messages_and_tool_history_and_goes_on(
    fake_server: FakeServer, db_path: Path
) -> None:
    original = tool_conversation()
    with SessionStore.open(db_path) as store:
        store.save_conversation(original)
    fake_server.script(text_reply("Aye."))

    # What `tui-chat --session ID` does: load it, hand it to the app.
    with SessionStore.open(db_path) as store:
        reopened = store.load(original.id[:8])
    app = chat_app(fake_server, db_path, conversation=reopened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [v.message.content for v in user_views(app)] == ["How long is strawberry?"]
        assert "Arr, 10 letters." in [v.message.content for v in replies(app)]
        assert [card.call_id for card in app.sidebar.cards] == ["call_1"]
        assert app.status_bar.model == "fake-model-large"

        await send(pilot, "And raspberry?")
        await settle(pilot)
        sent = fake_server.chat_requests[-1].json
        assert sent["model"] == "fake-model-large"
        assert sent["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
        assert [m["role"] for m in sent["messages"]] == [
            "system",
            "user",
            "assistant",
            "tool",
            "assistant",
            "user",
        ]
        assert app.sessions is not None
        await app.sessions.flush()
    assert texts(saved(db_path, original.id))[-2:] == [("user", "And raspberry?"), ("assistant", "Aye.")]


async def test_the_browser_opens_a_session(fake_server: FakeServer, db_path: Path) -> None:
    original = tool_conversation()
    with SessionStore.open(db_path) as store:
        store.save_conversation(original)
    fake_server.script(text_reply("Hello there."))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "a chat of today")
        await settle(pilot)
        today = app.conversation.id

        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser) and len(app.screen.entries) == 2)
        await pilot.press(*"strawb")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser) and len(app.screen.entries) == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.id == original.id)
        await pilot.pause()

        assert not isinstance(app.screen, SessionBrowser)
        assert [v.message.content for v in user_views(app)] == ["How long is strawberry?"]
        assert [card.call_id for card in app.sidebar.cards] == ["call_1"]
        assert app.status_bar.model == "fake-model-large"
        assert app.focused is app.prompt
        assert app.sessions is not None
        await app.sessions.flush()
    assert texts(saved(db_path, today)) == [("user", "a chat of today"), ("assistant", "Hello there.")]


async def test_the_command_palette_opens_the_browser(fake_server: FakeServer, db_path: Path) -> None:
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"sessions")

        def first_result() -> str:
            results = app.screen.query_one(CommandList)
            return str(results.get_option_at_index(0).prompt) if results.option_count else ""

        await wait_for(pilot, lambda: "Sessions: browse" in first_result())
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser))


async def test_a_thousand_message_session_opens_with_its_tail_mounted(
    fake_server: FakeServer, db_path: Path
) -> None:
    big = long_session(1000)
    with SessionStore.open(db_path) as store:
        store.save_conversation(big)
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser) and len(app.screen.entries) == 1)
        started = time.perf_counter()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.id == big.id)
        await pilot.pause()
        opened_in = time.perf_counter() - started
        print(f"1,000-message session opened in {opened_in:.2f} s")

        assert len(app.conversation.messages) == 1000
        views = list(app.chat_log.query(MessageView))
        assert 0 < len(views) <= INITIAL
        assert views[-1].message.content == big.messages[-1].content
        assert len(app.chat_log.query(OlderMessages)) == 1
        # The sidebar is built once the log has painted, with its last few turns, numbered as
        # they happened (250 turns in all).
        sidebar = app.sidebar
        await wait_for(pilot, lambda: len(sidebar.turns) == sidebar.INITIAL_TURNS)
        assert [t.number for t in sidebar.turns[-2:]] == [249, 250]
        assert sidebar.cards[-1].call_id == "call_249"
        # Scrolling the sidebar to the top shows earlier turns, up to MAX_TURNS.
        await wait_for(pilot, lambda: sidebar.max_scroll_y > 0)
        sidebar.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(sidebar.turns) == sidebar.MAX_TURNS)
        assert [t.number for t in sidebar.turns[:1]] == [201]
        assert sidebar.cards[-1].call_id == "call_249"
        assert opened_in < 15  # generous: a shared 2-core machine; typically well under a second


def test_app_continue_with_nothing_saved_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--continue")
    assert result.code == 2
    assert result.err.count("\n") == 1 and "no saved session to continue" in result.err


def test_app_unknown_session_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--session", "nope-not-an-id")
    assert result.code == 2
    assert "nope-not-an-id" in result.err and "tui-chat sessions" in result.err


async def test_a_system_prompt_changed_mid_session_shows_where_it_took_effect(
    fake_server: FakeServer, db_path: Path
) -> None:
    from textual.widgets import TextArea

    from tests.ui.test_app_states import screen_text

    fake_server.script(text_reply("Hello."), text_reply("Bonjour."))
    app = chat_app(fake_server, db_path, system_prompt="Be brief.")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        await pilot.press("f3")
        area = app.screen.query_one(TextArea)
        assert area.text == "Be brief."
        area.clear()
        area.insert("Answer in French.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "System prompt from here on" in screen_text(app))
        text = screen_text(app)
        assert (
            text.index("Hello.") < text.index("System prompt from here on") < text.index("Answer in French.")
        )
        await send(pilot, "again")
        await settle(pilot)
        first, second = (r.json["messages"] for r in fake_server.chat_requests)
        assert first[0] == {"role": "system", "content": "Be brief."}
        assert second[0] == {"role": "system", "content": "Answer in French."}
        assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]  # one, first
        assert app.sessions is not None
        await app.sessions.flush()
        conversation = saved(db_path, app.conversation.id)
    assert texts(conversation) == [
        ("user", "hi"),
        ("assistant", "Hello."),
        ("system", "Answer in French."),
        ("user", "again"),
        ("assistant", "Bonjour."),
    ]
    assert conversation.system_prompt == "Be brief."  # what the session started with
    assert conversation.current_system_prompt == "Answer in French."
    reopened = ChatApp(settings_for(fake_server), conversation=conversation, freeze_gc=False)
    async with reopened.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "System prompt from here on" in screen_text(reopened))
