"""Servers reuse tool-call ids: some send `call_0` every turn, others the same id per position.
A call is the call at its position in its response, never "the call with that id": the sidebar,
the chat log and a reopened session keep one card (and one result) per call."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.fakeserver import FakeServer, text_reply, tool_calls_reply
from tests.ui.app_support import make_app, send, settle, wait_for
from tui_chat.ui.app import ChatApp
from tui_chat.ui.widgets.messages import AssistantMessage

SAME = ("count_string", '{"string": "same"}')  # the fake server's ids depend only on this


def tool_line_states(app: ChatApp) -> list[str]:
    return [line.status for view in app.chat_log.query(AssistantMessage) for line in view.tool_lines.values()]


def card_states(app: ChatApp) -> list[tuple[int, str, str | None]]:
    return [(turn.number, card.status, card.result) for turn in app.sidebar.turns for card in turn.cards]


async def reopen(pilot: Pilot[None]) -> None:
    """Load the session back from the store and open it, as the session browser does."""
    app = pilot.app
    assert isinstance(app, ChatApp) and app.sessions is not None
    await app.sessions.flush()
    conversation = app.sessions.store.load(app.conversation.id)
    await app.load_conversation(conversation)
    await wait_for(pilot, lambda: len(app.sidebar.cards) > 0)


async def test_the_same_call_in_two_turns_gets_two_cards(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test() as pilot:
        for _ in range(2):
            await send(pilot, "count the characters in 'same'")
            await settle(pilot)
        ids = [c.id for m in app.conversation.messages for c in m.tool_calls]
        assert len(ids) == 2 and ids[0] == ids[1]  # the server did reuse the id
        assert card_states(app) == [(1, "ok", "4"), (2, "ok", "4")]
        first, second = app.sidebar.cards
        assert first is not second and first.duration is not None and second.duration is not None

        await reopen(pilot)
        assert card_states(app) == [(1, "ok", "4"), (2, "ok", "4")]


async def test_a_tool_loop_that_reuses_one_id_counts_every_call(fake_server: FakeServer) -> None:
    fake_server.script(*[tool_calls_reply(SAME) for _ in range(10)], text_reply("Done counting."))
    app = make_app(fake_server)
    async with app.run_test() as pilot:
        await send(pilot, "count it ten times")
        await settle(pilot)
        (turn,) = app.sidebar.turns
        assert len(turn.cards) == 10 and all(card.status == "ok" for card in turn.cards)
        assert turn._header.text.endswith("10 calls")
        assert tool_line_states(app) == ["ok"] * 10


async def test_stopping_a_later_call_leaves_an_earlier_one_with_the_same_id_alone(
    fake_server: FakeServer,
) -> None:
    fake_server.script(tool_calls_reply(SAME), tool_calls_reply(SAME))
    app = make_app(fake_server)
    async with app.run_test() as pilot:
        app.registry.set_policy("count_string", "ask")  # type: ignore[union-attr]
        await send(pilot, "count it twice")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmToolScreen")
        await pilot.press("y")  # the first call runs
        await wait_for(pilot, lambda: len(app.conversation.messages) >= 4)  # the second asks
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmToolScreen")
        app.action_stop()  # stop the reply while the dialog is open
        await settle(pilot)
        states = [status for _, status, _ in card_states(app)]
        assert len(states) == 2 and states[0] == "ok" and states[1] != "ok"
        assert tool_line_states(app)[0] == "ok"

        await reopen(pilot)
        states = [status for _, status, _ in card_states(app)]
        assert len(states) == 2 and states[0] == "ok" and states[1] != "ok"
        lines = tool_line_states(app)
        assert len(lines) == 2 and lines[0] == "ok" and lines[1] != "ok"
