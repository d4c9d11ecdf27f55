"""A reasoning model's thinking: a muted, foldable "Thinking" block above the answer."""

from __future__ import annotations

from tests.fakeserver import FakeServer, chunk, sse_reply
from tests.ui.app_support import SIZE, make_app, replies, send, settle, wait_for
from tui_chat.engine.conversation import Message
from tui_chat.ui.widgets.messages import AssistantMessage

THOUGHT = "The user says hi. [bold]not markup[/bold] \x1b[31m stays visible."


async def test_thinking_streams_above_the_answer_and_folds_when_it_starts(fake_server: FakeServer) -> None:
    pieces = [THOUGHT[i : i + 8] for i in range(0, len(THOUGHT), 8)]
    events: list[dict[str, object] | str] = [chunk(role="assistant", reasoning_content=pieces[0])]
    events += [chunk(reasoning_content=p) for p in pieces[1:]]
    stalled = sse_reply(events, stall_after=len(events))
    answer = sse_reply(
        [chunk(role="assistant", reasoning="Short."), chunk("Hello **there**", finish_reason="stop")]
    )
    fake_server.script(stalled, answer)
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await wait_for(
            pilot,
            lambda: bool(replies(app)) and replies(app)[0].thinking_source == THOUGHT.replace("\x1b", "␛"),
        )
        (reply,) = replies(app)
        await wait_for(pilot, lambda: "stays visible" in str(reply.thinking_text.content))
        assert reply.thinking.display and not reply.thinking.collapsed  # expanded while it thinks
        shown = str(reply.thinking_text.content)
        assert "[bold]not markup[/bold]" in shown and "␛[31m" in shown and "\x1b" not in shown
        await pilot.press("escape")
        await settle(pilot)

        await send(pilot, "again")
        await settle(pilot)
        reply = replies(app)[-1]
        assert reply.message.reasoning == "Short." and reply.message.content == "Hello **there**"
        assert reply.thinking.display and reply.thinking.collapsed  # folded once the answer came
        assert str(reply.thinking_text.content) == "Short."
        assert reply.markdown_source == "Hello **there**"
        assert reply.thinking.region.y < reply.body.region.y  # the answer renders below it
        sent = fake_server.chat_requests[-1].json["messages"]
        assert "reasoning" not in str(sent) and "not markup" not in str(sent)


def test_a_reopened_reply_shows_its_thinking_folded() -> None:
    view = AssistantMessage(Message("assistant", "Answer", reasoning="Earlier thoughts"))
    assert view.thinking.display and view.thinking.collapsed
    assert str(view.thinking_text.content) == "Earlier thoughts"
    assert AssistantMessage(Message("assistant", "Plain")).thinking.display is False
