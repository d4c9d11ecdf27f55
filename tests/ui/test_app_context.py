"""The context budget in the app: the meter and the reply stats, the choice before a request
that would not fit (the prompt text is never lost), the same choice after the server's
context-length error, and compaction with its review."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import TextArea

from tests.fakeserver import FakeServer, chunk, sse_reply, text_reply, usage_chunk
from tests.ui.app_support import SIZE, make_app, replies, send, settle
from tui_chat.engine.compaction import SUMMARY_HEADING
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.conversation_tree import tree_of
from tui_chat.ui.screens.compaction import CompactionScreen
from tui_chat.ui.screens.context_full import ContextFullScreen


async def until(pilot: Pilot[Any], condition: Any, tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never became true")


def chat_of(turns: int, usage: dict[str, int] | None = None) -> Conversation:
    conversation = Conversation(model="fake-model")
    for n in range(turns):
        conversation.add(Message(role="user", content=f"question {n}"))
        conversation.add(Message(role="assistant", content=f"answer {n}", model="fake-model", usage=usage))
    return conversation


async def test_the_meter_is_exact_after_a_reply_and_the_reply_shows_its_stats(
    fake_server: FakeServer,
) -> None:
    app = make_app(fake_server, models={"fake-*": {"context_window": 8000}})
    async with app.run_test(size=SIZE) as pilot:
        assert app.status_bar.context is None  # an empty chat shows no meter
        await send(pilot, "long 60")  # the demo bot streams it at 200 tokens/s
        await settle(pilot)
        budget = app.status_bar.context
        assert budget is not None and not budget.estimated and budget.window.tokens == 8000
        rendered = str(app.status_bar.render())
        assert "ctx " in rendered and "/8k" in rendered and "ctx ~" not in rendered
        (reply,) = replies(app)
        line = str(reply.stats.render())
        assert reply.stats.display and line.startswith("in ") and "to first token" in line and "tok/s" in line


async def test_the_meter_warns_at_90_percent_and_survives_narrow_widths(fake_server: FakeServer) -> None:
    conversation = chat_of(1, usage={"prompt_tokens": 9_300, "completion_tokens": 200})
    app = make_app(fake_server, conversation=conversation, models={"fake-*": {"context_window": 10_000}})
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.status_bar.has_class("-ctx-danger")
        rendered = str(app.status_bar.render())
        assert "ctx 9.5k/10k 95%" in rendered and "via" not in rendered  # the endpoint gave way
        await pilot.resize_terminal(20, 10)
        await pilot.pause()
        assert str(app.status_bar.render()).startswith("tui-chat")


async def test_a_message_that_would_not_fit_asks_first_and_stays_in_the_prompt(
    fake_server: FakeServer,
) -> None:
    app = make_app(fake_server, models={"fake-*": {"context_window": 50}})
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "word " * 100)
        await until(pilot, lambda: isinstance(app.screen, ContextFullScreen))
        assert fake_server.chat_requests == []
        await pilot.click("#cancel")
        await until(pilot, lambda: not isinstance(app.screen, ContextFullScreen))
        assert app.prompt.text == "word " * 100 and app.conversation.messages == []

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ContextFullScreen))
        await pilot.click("#send")
        await settle(pilot)
        assert len(fake_server.chat_requests) == 1 and app.prompt.text == ""


async def test_a_servers_context_length_error_offers_the_same_choices(capsys: Any) -> None:
    with FakeServer(quirks=["context_error_llamacpp"]) as server:
        app = make_app(server)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "hello")
            await until(pilot, lambda: isinstance(app.screen, ContextFullScreen))
            assert str(app.screen.query_one("#send").label) == "Retry"  # type: ignore[attr-defined]
            await pilot.click("#cancel")
            await pilot.pause()
            assert app.conversation.messages[0].content == "hello"


async def test_compaction_is_reviewed_then_goes_on_as_a_new_branch(fake_server: FakeServer) -> None:
    conversation = chat_of(6)
    originals = [m.id for m in conversation.messages]
    app = make_app(fake_server, conversation=conversation, compact_keep_turns=2)
    async with app.run_test(size=SIZE) as pilot:
        fake_server.script(text_reply("Six questions so far."))
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, CompactionScreen))
        area = app.screen.query_one(TextArea)
        assert area.text == "Six questions so far."
        area.text = "Six questions so far (edited)."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, CompactionScreen))
        await pilot.pause()
        path = app.conversation.messages
        assert path[0].content == f"{SUMMARY_HEADING}\n\nSix questions so far (edited)."
        assert [m.content for m in path[1:]] == ["question 4", "answer 4", "question 5", "answer 5"]
        tree = tree_of(app.conversation)
        assert all(message_id in tree for message_id in originals)  # nothing is lost
        assert tree.branching(path[0].id).count == 2
        await settle(pilot)
        assert "question 5" in str([v.message.content for v in app.chat_log.query("UserMessage")])  # type: ignore[attr-defined]


async def test_cancelling_the_review_changes_nothing(fake_server: FakeServer) -> None:
    conversation = chat_of(6)
    before = [m.id for m in conversation.messages]
    app = make_app(fake_server, conversation=conversation, compact_keep_turns=2)
    async with app.run_test(size=SIZE) as pilot:
        fake_server.script(text_reply("A summary."))
        app.action_compact()
        await until(pilot, lambda: isinstance(app.screen, CompactionScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CompactionScreen))
        assert [m.id for m in app.conversation.messages] == before


async def test_automatic_compaction_starts_past_its_fill_level(fake_server: FakeServer) -> None:
    conversation = chat_of(3, usage={"prompt_tokens": 600, "completion_tokens": 10})
    app = make_app(
        fake_server,
        conversation=conversation,
        compact_keep_turns=1,
        auto_compact_at=0.5,
        models={"fake-*": {"context_window": 1000}},
    )
    async with app.run_test(size=SIZE) as pilot:
        # The server says the request took 700 of the 1000 tokens: past the 50 % level.
        reply = sse_reply([chunk("ok", role="assistant", finish_reason="stop"), usage_chunk(700, 10)])
        fake_server.script(reply, text_reply("The summary."))
        await send(pilot, "one more")
        await until(pilot, lambda: isinstance(app.screen, CompactionScreen))
        assert app.screen.query_one(TextArea).text == "The summary."


async def test_a_context_length_error_says_what_to_do(capsys: Any) -> None:
    from tests.ui.app_support import errors

    with FakeServer(quirks=["context_error_openai"]) as server:
        app = make_app(server)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "hello")
            await until(pilot, lambda: isinstance(app.screen, ContextFullScreen))
            await pilot.press("escape")
            await settle(pilot)
            (error,) = errors(app)
            assert error.kind == "context_length" and "no longer fits" in error.copy_text
