"""Branches in the app (issue 10), through the real SDK against the loopback server: the
`‹ 2/3 ›` marker, the keys and clicks that switch versions, edit any question, regenerate any
reply, fork, a search hit opening its branch, the sidebar of the branch on screen, and all of
it refused while a reply streams."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Collapsible

from tests.fakeserver import FakeServer, text_reply
from tests.ui.app_support import SIZE, replies, send, settle, user_views, wait_for
from tests.ui.test_app_chat import stalled_reply
from tests.ui.test_app_sessions import chat_app, saved, texts, tool_conversation
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.conversation_tree import add_sibling
from tui_chat.store import SessionStore
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.session_browser import SessionBrowser
from tui_chat.ui.widgets.messages import MessageView


def header(view: MessageView) -> str:
    return str(view.query_one(".message-header").render())


def shown(app: ChatApp) -> list[str | None]:
    return [v.message.content for v in app.chat_log.query(MessageView)]


def select(app: ChatApp, content: str) -> MessageView:
    """Focus the log and select the message showing `content` (as clicking it does)."""
    view = next(v for v in app.chat_log.query(MessageView) if v.message.content == content)
    app.chat_log.focus()
    app.chat_log.select(view)
    return view


def notices(app: ChatApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def two_versions(pilot: object, app: ChatApp) -> None:
    """Ask "q", get "first", regenerate: "second" (the reply has 2 versions)."""
    await send(pilot, "q")  # type: ignore[arg-type]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("ctrl+r")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_left_and_right_switch_versions_and_the_choice_is_saved(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    db_path = tmp_path / "sessions.db"
    fake_server.script(text_reply("first"), text_reply("second"))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await two_versions(pilot, app)
        (reply,) = replies(app)
        assert "‹ 2/2 ›" in header(reply)
        select(app, "q")
        assert app.check_action("prev_version", ()) is False  # no versions: not in the footer
        select(app, "second")
        assert app.check_action("prev_version", ()) is True
        assert app.check_action("next_version", ()) is None  # the last one: shown, disabled

        await pilot.press("left")
        # The new version is selected once it is mounted (its view is in the log a moment before).
        await wait_for(pilot, lambda: shown(app) == ["q", "first"] and app.chat_log.selected is not None)
        (reply,) = replies(app)
        assert "‹ 1/2 ›" in header(reply)
        assert app.chat_log.selected is reply  # the keys go on acting on it
        await pilot.press("l")
        await wait_for(pilot, lambda: shown(app) == ["q", "second"])
        await pilot.press("h")
        await wait_for(pilot, lambda: shown(app) == ["q", "first"])
        assert app.sessions is not None
        await app.sessions.flush()
        session_id = app.conversation.id
    # Reopened (as after a kill): the branch chosen last is the one shown.
    assert texts(saved(db_path, session_id)) == [("user", "q"), ("assistant", "first")]
    again = chat_app(fake_server, db_path)
    async with again.run_test(size=SIZE) as pilot:
        with SessionStore.open(db_path) as store:
            await again.load_conversation(store.load(session_id))
        await pilot.pause()
        assert shown(again) == ["q", "first"]
        assert "‹ 1/2 ›" in header(replies(again)[0])


async def test_clicking_the_arrows_of_the_marker_switches_versions(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    fake_server.script(text_reply("first"), text_reply("second"))
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await two_versions(pilot, app)
        (reply,) = replies(app)
        title = reply.query_one(".message-header")
        await pilot.click(title, offset=(header(reply).index("‹"), 0))
        await wait_for(pilot, lambda: shown(app) == ["q", "first"])
        (reply,) = replies(app)
        title = reply.query_one(".message-header")
        await pilot.click(title, offset=(header(reply).index("›"), 0))
        await wait_for(pilot, lambda: shown(app) == ["q", "second"])


async def test_e_edits_any_question_and_the_old_branch_stays_one_switch_away(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    fake_server.script(text_reply("a1"), text_reply("a2"), text_reply("a1 edited"))
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "q1")
        await settle(pilot)
        await send(pilot, "q2")
        await settle(pilot)

        select(app, "q1")  # not the last question
        await pilot.press("e")
        assert app.prompt.text == "q1" and app.prompt.has_class("-editing")
        app.prompt.clear()
        await pilot.press(*"q1 better", "enter")
        await settle(pilot)

        assert shown(app) == ["q1 better", "a1 edited"]
        assert fake_server.chat_requests[2].json["messages"] == [{"role": "user", "content": "q1 better"}]
        (question,) = user_views(app)
        assert "‹ 2/2 ›" in header(question)
        select(app, "q1 better")
        await pilot.press("left")
        await wait_for(pilot, lambda: shown(app) == ["q1", "a1", "q2", "a2"])  # nothing lost


async def test_r_regenerates_any_reply(fake_server: FakeServer, tmp_path: Path) -> None:
    fake_server.script(text_reply("a1"), text_reply("a2"), text_reply("a1 again"))
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "q1")
        await settle(pilot)
        await send(pilot, "q2")
        await settle(pilot)

        select(app, "a1")  # not the last reply
        await pilot.press("r")
        await settle(pilot)

        assert shown(app) == ["q1", "a1 again"]
        assert fake_server.chat_requests[2].json["messages"] == [{"role": "user", "content": "q1"}]
        assert "‹ 2/2 ›" in header(replies(app)[0])
        select(app, "a1 again")
        await pilot.press("left")
        await wait_for(pilot, lambda: shown(app) == ["q1", "a1", "q2", "a2"])


async def test_while_a_reply_streams_switching_editing_regenerating_and_forking_are_refused(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    fake_server.script(text_reply("first"), text_reply("second"), stalled_reply("Partial answer so far"))
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await two_versions(pilot, app)
        await send(pilot, "more")
        await wait_for(pilot, lambda: partial_text(app) == "Partial answer so far")
        select(app, "second")
        for key in ("left", "e", "r", "f"):
            await pilot.press(key)
        await wait_for(pilot, lambda: sum("A reply is streaming" in n for n in notices(app)) == 4)
        assert [m.content for m in app.conversation.messages] == [
            "q",
            "second",
            "more",
            "Partial answer so far",
        ]
        assert app.controller.busy  # still streaming: nothing was switched under it
        app.controller.stop()
        await settle(pilot)
        assert shown(app) == ["q", "second", "more", "Partial answer so far"]  # never lost


def partial_text(app: ChatApp) -> str:
    reply = app.conversation.last("assistant")
    return (reply.content or "") if reply is not None and reply.status == "streaming" else ""


async def test_f_forks_the_path_up_to_the_selected_message_into_a_new_session(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    db_path = tmp_path / "sessions.db"
    fake_server.script(text_reply("a1"), text_reply("a2"))
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "q1")
        await settle(pilot)
        await send(pilot, "q2")
        await settle(pilot)
        origin = app.conversation.id
        reply = select(app, "a1")
        await pilot.press("f")
        await wait_for(pilot, lambda: app.conversation.id != origin)
        await pilot.pause()

        assert shown(app) == ["q1", "a1"]
        assert app.conversation.title is not None and app.conversation.title.endswith("(fork)")
        fork_id = app.conversation.id
        assert app.sessions is not None
        await app.sessions.flush()
    with SessionStore.open(db_path) as store:
        summary = store.summary(fork_id)
        assert summary.origin_session == origin and summary.origin_message == reply.message.id
    assert [c for _, c in texts(saved(db_path, origin))] == ["q1", "a1", "q2", "a2"]  # unchanged


async def test_the_palette_has_the_branch_commands(fake_server: FakeServer, tmp_path: Path) -> None:
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in (
            "Session: fork here  (f)",
            "Chat: previous version  (left)",
            "Chat: next version  (right)",
            "Chat: edit selected message  (e)",
            "Chat: regenerate selected reply  (r)",
        ):
            assert expected in titles


def branched() -> tuple[Conversation, Message]:
    """A tool chat, and its question edited into a branch without tools (the current one)."""
    conversation = tool_conversation()
    question = conversation.messages[0]
    add_sibling(conversation, question.id, Message("user", "Say hello", created=question.created + 1))
    conversation.add(Message("assistant", "Hello, matey.", created=question.created + 2))
    return conversation, question


async def test_a_search_hit_on_another_branch_opens_that_branch(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    db_path = tmp_path / "sessions.db"
    conversation, _ = branched()
    with SessionStore.open(db_path) as store:
        store.save_conversation(conversation)
        assert store.load(conversation.id).messages[0].content == "Say hello"
    app = chat_app(fake_server, db_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionBrowser) and len(app.screen.entries) == 1)
        await pilot.press(*"letters")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, SessionBrowser) and app.screen._query == "letters",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.conversation.id == conversation.id)
        await pilot.pause()
        assert shown(app)[0] == "How long is strawberry?"
        assert [card.call_id for card in app.sidebar.cards] == ["call_1"]


async def test_the_sidebar_shows_the_tool_calls_of_the_branch_on_screen(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    conversation, _ = branched()
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await app.load_conversation(conversation)
        await wait_for(pilot, lambda: shown(app) == ["Say hello", "Hello, matey."])
        await pilot.pause()
        assert app.sidebar.cards == []
        select(app, "Say hello")
        await pilot.press("left")
        await wait_for(pilot, lambda: shown(app)[0] == "How long is strawberry?")
        assert [card.call_id for card in app.sidebar.cards] == ["call_1"]
        await pilot.press("right")
        await wait_for(pilot, lambda: shown(app) == ["Say hello", "Hello, matey."])
        assert app.sidebar.cards == []


async def test_switching_a_reply_below_the_calls_leaves_the_sidebar_as_it_was(
    fake_server: FakeServer, tmp_path: Path
) -> None:
    conversation = tool_conversation()
    answer = conversation.messages[-1]
    add_sibling(conversation, answer.id, Message("assistant", "Arr, ten.", created=answer.created + 1))
    app = chat_app(fake_server, tmp_path / "sessions.db")
    async with app.run_test(size=SIZE) as pilot:
        await app.load_conversation(conversation)
        await wait_for(
            pilot,
            lambda: (
                len(app.sidebar.cards) == 1
                and shown(app)[-1] == "Arr, ten."
                and bool(app.sidebar.cards[0].query(".tool-card-result"))
            ),  # the card is composed
        )
        (card,) = app.sidebar.cards
        result = card.query_one(".tool-card-result", Collapsible)
        result.collapsed = True  # the user folded the call's result
        select(app, "Arr, ten.")
        await pilot.press("left")
        await wait_for(pilot, lambda: shown(app)[-1] == "Arr, 10 letters.")
        await pilot.pause()
        await wait_for(pilot, lambda: len(app.sidebar.cards) == 1)
        # The same calls: not rebuilt (a long session's sidebar cost most of such a switch),
        # and what the user folded stays folded.
        assert app.sidebar.cards == [card] and result.collapsed
