"""The chat log's handover: streamed text is batched, anything else is handed over at once."""

from __future__ import annotations

from tests.waiting import wait_until
from tui_chat.ui.widgets.handover import Handover


async def test_streamed_deltas_share_one_handover_and_other_events_do_not_wait() -> None:
    posts: list[int] = []
    handover = Handover(lambda: posts.append(1))

    for _ in range(50):  # a burst of tokens: one handover for all of them, a moment later
        handover.request(delta=True)
    assert posts == []
    await wait_until(lambda: posts == [1], "the deltas' handover")
    handover.request(delta=True)  # the log has not taken the queue yet: nothing more to post
    assert posts == [1]

    handover.done()
    handover.request(delta=True)
    handover.request(delta=False)  # e.g. the turn's end: at once, with the deltas before it
    assert posts == [1, 1]
    handover.done()
    handover.request(delta=False)
    assert posts == [1, 1, 1]


def test_without_an_event_loop_a_delta_is_handed_over_at_once() -> None:
    posts: list[int] = []
    handover = Handover(lambda: posts.append(1))
    handover.request(delta=True)
    assert posts == [1]
