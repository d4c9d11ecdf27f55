"""Write-through while a turn runs, driven by a fake clock and fake timers (no sleeping)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.support import FakeClock, FakeScheduler, chat
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.engine.events import (
    MessageAdded,
    ResponseFinished,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecutionStarted,
    ToolResultReady,
    TurnEnded,
    TurnFailed,
)
from tui_chat.store import SessionRecorder, SessionStore
from tui_chat.store.recorder import call_later_on_running_loop


class Turn:
    """Plays the engine's part: mutates the conversation and feeds events to the recorder."""

    def __init__(self, store: SessionStore, conv: Conversation | None = None) -> None:
        self.store = store
        self.clock = FakeClock()
        self.timers = FakeScheduler(self.clock)
        self.conv = conv or Conversation(model="gpt-4o-mini")
        self.recorder = SessionRecorder(
            store, self.conv, provider="openai", clock=self.clock, schedule=self.timers
        )
        self.reply: Message | None = None

    def user_says(self, text: str) -> Message:
        message = self.conv.add(Message("user", text))
        self.recorder.record_user_message(message).result(timeout=10)
        return message

    def reply_starts(self) -> Message:
        self.reply = self.conv.add(Message("assistant", "", status="streaming", model="gpt-4o-mini"))
        self.recorder.handle(MessageAdded(self.reply))
        return self.reply

    def token(self, text: str, *, after: float = 0.01) -> None:
        assert self.reply is not None
        self.clock.advance(after)
        self.reply.content = (self.reply.content or "") + text
        self.recorder.handle(TextDelta(self.reply.id, text))

    def saved(self) -> Conversation:
        """What another instance reading the file sees once queued writes are done."""
        self.store.writer().barrier().result(timeout=10)
        with SessionStore.open(self.store.path) as reader:
            return reader.load(self.conv.id)

    def saved_reply(self) -> Message:
        assert self.reply is not None
        return next(m for m in self.saved().messages if m.id == self.reply.id)


@pytest.fixture
def turn(store: SessionStore) -> Iterator[Turn]:
    t = Turn(store)
    yield t
    t.recorder.close()


def test_the_users_message_is_on_disk_before_the_request_goes_out(turn: Turn) -> None:
    turn.user_says("Is it going to rain?")
    # .result() returned: another process reading the file now sees the message.
    saved = turn.saved()
    assert [m.content for m in saved.messages] == ["Is it going to rain?"]
    assert saved.title == "Is it going to rain?" and saved.model == "gpt-4o-mini"


def test_streamed_text_is_checkpointed_every_interval(turn: Turn) -> None:
    tick = 1 / 64  # exact in binary, so 16 ticks are exactly the 0.25 s interval
    turn.user_says("Count to fifty")
    turn.reply_starts()  # checkpoint at t=0
    for i in range(15):
        turn.token(f"{i} ", after=tick)
    assert turn.saved_reply().content == ""  # 0.23 s in: nothing new written yet

    for i in range(15, 30):
        turn.token(f"{i} ", after=tick)
    # Written at 0.25 s (token 16); tokens after that wait for the next interval.
    assert turn.saved_reply().content == "".join(f"{i} " for i in range(16))
    assert turn.saved_reply().status == "interrupted"  # still streaming, as a reader sees it


def test_a_stalled_stream_is_still_saved_within_the_interval(turn: Turn) -> None:
    turn.user_says("Tell me a story")
    turn.reply_starts()
    turn.token("Once upon a time", after=0.1)  # too soon for a checkpoint: a timer is set
    [timer] = turn.timers.active()
    assert timer.due == pytest.approx(turn.clock.now + 0.15)

    turn.clock.advance(0.15)  # no more tokens arrive
    assert turn.timers.run_due() == 1
    assert turn.saved_reply().content == "Once upon a time"


def test_one_timer_at_a_time_and_it_is_dropped_after_a_checkpoint(turn: Turn) -> None:
    turn.user_says("go")
    turn.reply_starts()
    for _ in range(5):
        turn.token("x", after=0.02)
    assert len(turn.timers.active()) == 1
    turn.recorder.handle(ToolExecutionStarted("call_1", "get_weather"))  # checkpoints now
    assert turn.timers.active() == []


def test_tool_events_are_saved_at_once(turn: Turn) -> None:
    turn.user_says("Weather in Paris?")
    reply = turn.reply_starts()
    turn.token("Checking", after=0.01)
    turn.recorder.handle(ToolCallStarted(reply.id, 0, "call_1", "get_weather"))
    assert turn.saved_reply().content == "Checking"  # no clock advance needed

    turn.recorder.handle(ToolCallArgumentsDelta("call_1", '{"city": '))  # a delta: batched
    call = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
    turn.recorder.handle(ToolCallCompleted(call))
    turn.recorder.handle(ResponseFinished(reply.id, "tool_calls", {"total_tokens": 12}))
    reply.status, reply.tool_calls, reply.usage = "complete", [call], {"total_tokens": 12}
    turn.recorder.handle(ToolExecutionStarted("call_1", "get_weather"))
    assert turn.saved_reply().tool_calls == [call]

    result = turn.conv.add(
        Message(
            "tool",
            "sunny",
            tool_call_id="call_1",
            name="get_weather",
            activity=ToolActivity("ok", 0.3, call.arguments),
        )
    )
    turn.recorder.handle(MessageAdded(result))
    turn.recorder.handle(ToolResultReady("call_1", "get_weather", "ok", "sunny", 0.3, result.id))
    saved = turn.saved()
    assert saved.messages[-1] == result


def test_the_final_state_is_saved_when_the_turn_ends(turn: Turn) -> None:
    turn.user_says("Hi")
    reply = turn.reply_starts()
    turn.token("Hello", after=0.01)
    turn.token(" there!", after=0.01)
    reply.status, reply.usage = "complete", {"total_tokens": 5}
    turn.recorder.handle(ResponseFinished(reply.id, "stop", reply.usage))
    turn.recorder.handle(TurnEnded("Hello there!", "answered"))
    saved = turn.saved_reply()
    assert (saved.content, saved.status, saved.usage) == ("Hello there!", "complete", {"total_tokens": 5})


def test_a_failed_turn_keeps_the_partial_reply_and_the_reason(turn: Turn) -> None:
    turn.user_says("Hi")
    reply = turn.reply_starts()
    turn.token("Partial", after=0.01)
    reply.status, reply.status_detail = "error", "The connection dropped mid-reply."
    turn.recorder.handle(TurnFailed("connection", "The connection dropped mid-reply."))
    saved = turn.saved_reply()
    assert (saved.content, saved.status, saved.status_detail) == (
        "Partial",
        "error",
        "The connection dropped mid-reply.",
    )


def test_changes_made_after_a_cancel_are_saved_on_close(store: SessionStore) -> None:
    turn = Turn(store)
    turn.user_says("Weather?")
    reply = turn.reply_starts()
    turn.token("Let me", after=0.01)
    # The engine, cancelled: marks the reply and appends a refused result, with no events.
    reply.status, reply.status_detail = "interrupted", "stopped"
    turn.conv.add(Message("tool", "Cancelled by the user before it ran.", tool_call_id="c1", name="x"))
    turn.recorder.close()

    saved = turn.saved()
    assert [(m.role, m.status) for m in saved.messages] == [
        ("user", "complete"),
        ("assistant", "interrupted"),
        ("tool", "complete"),
    ]
    assert saved.messages[1].content == "Let me" and saved.messages[1].status_detail == "stopped"


def test_a_second_turn_continues_the_same_session(turn: Turn) -> None:
    turn.user_says("First question")
    reply = turn.reply_starts()
    turn.token("First answer")
    reply.status = "complete"
    turn.recorder.handle(TurnEnded("First answer", "answered"))
    turn.user_says("Second question")
    turn.reply_starts()
    turn.token("Second answer")
    turn.recorder.handle(TurnEnded("Second answer", "answered"))
    saved = turn.saved()
    assert [m.content for m in saved.messages] == [
        "First question",
        "First answer",
        "Second question",
        "Second answer",
    ]
    assert saved.title == "First question"


def test_recording_a_reopened_session_appends_to_it(store: SessionStore) -> None:
    original = chat("Old question", "Old answer")
    store.save_conversation(original)
    turn = Turn(store, store.load(original.id))
    turn.user_says("New question")
    turn.recorder.close()
    assert [m.content for m in turn.saved().messages] == ["Old question", "Old answer", "New question"]


def test_sync_writes_an_edited_history(turn: Turn) -> None:
    turn.user_says("Question")
    reply = turn.reply_starts()
    turn.token("Bad answer")
    turn.recorder.handle(TurnEnded("Bad answer", "answered"))
    # Regenerate: the old text moves into previous_versions, a new reply replaces it.
    turn.conv.messages.remove(reply)
    new = turn.conv.add(Message("assistant", "Good answer", previous_versions=["Bad answer"]))
    turn.recorder.sync().result(timeout=10)
    saved = turn.saved()
    assert [m.id for m in saved.messages] == [turn.conv.messages[0].id, new.id]
    assert saved.messages[1].previous_versions == ["Bad answer"]


def test_a_rename_is_not_undone_by_later_checkpoints(turn: Turn) -> None:
    turn.user_says("Something")
    turn.store.rename(turn.conv.id, "My name for it")
    turn.reply_starts()
    turn.token("more")
    turn.recorder.flush(timeout=10)
    assert turn.saved().title == "My name for it"


def test_queued_snapshots_of_a_message_coalesce_into_the_latest(store: SessionStore, db_path: Path) -> None:
    turn = Turn(store)
    turn.user_says("Go")
    turn.reply_starts()
    writer = store.writer()
    writer.barrier().result(timeout=10)
    commits_before = writer.commits
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another instance holds the write lock
    try:
        for i in range(50):
            turn.token(f"{i},", after=0.3)  # every token is due for a checkpoint
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    assert turn.saved_reply().content == "".join(f"{i}," for i in range(50))
    # At most the batch that was waiting for the lock plus one with everything else.
    assert writer.commits - commits_before <= 2
    turn.recorder.close()


def test_a_user_message_must_be_in_the_conversation_to_be_recorded(turn: Turn) -> None:
    with pytest.raises(ValueError, match="append the message"):
        turn.recorder.record_user_message(Message("user", "floating"))


def test_handle_after_close_is_ignored(turn: Turn) -> None:
    turn.user_says("Hi")
    reply = turn.reply_starts()
    turn.recorder.close()
    turn.recorder.handle(TextDelta(reply.id, "late"))  # must not raise or write
    turn.recorder.close()  # idempotent


def test_a_recorder_given_a_path_opens_and_closes_its_own_store(db_path: Path) -> None:
    conv = Conversation(model="m")
    with SessionRecorder(db_path, conv) as recorder:
        recorder.record_user_message(conv.add(Message("user", "standalone"))).result(timeout=10)
    with SessionStore.open(db_path) as reader:
        assert [m.content for m in reader.load(conv.id).messages] == ["standalone"]


def test_the_default_timer_uses_the_running_event_loop() -> None:
    assert call_later_on_running_loop(1.0, lambda: None) is None  # no loop: no timer

    async def inside_a_loop() -> None:
        loop = asyncio.get_running_loop()
        handle = call_later_on_running_loop(0.25, lambda: None)
        assert isinstance(handle, asyncio.TimerHandle)
        assert handle.when() == pytest.approx(loop.time() + 0.25, abs=0.05)
        handle.cancel()

    asyncio.run(inside_a_loop())


def test_a_failed_write_is_reported_and_retried_without_disturbing_the_chat(
    turn: Turn, db_path: Path
) -> None:
    turn.user_says("hello")
    admin = sqlite3.connect(db_path, isolation_level=None)
    admin.execute(
        "CREATE TRIGGER broken BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    reply = turn.reply_starts()  # handle() must not raise
    failed = turn.recorder.checkpoint()
    turn.token("Hi!", after=0.3)
    assert "disk on fire" in str(failed.exception(timeout=10))
    assert turn.recorder.error is not None and "disk on fire" in turn.recorder.error

    admin.execute("DROP TRIGGER broken")
    admin.close()
    turn.recorder.flush(timeout=10)  # the failed snapshot was kept and goes out now
    assert turn.recorder.error is None
    assert turn.saved_reply().content == reply.content == "Hi!"


def test_recording_that_begins_mid_turn_keeps_saving_that_turn(store: SessionStore) -> None:
    # The app opens its store after the first frame: a fast first message can be mid-reply then.
    conv = Conversation(model="gpt-4o-mini")
    conv.add(Message("user", "count the characters in 'same'"))
    reply = conv.add(Message("assistant", "", status="streaming"))
    late = Turn(store, conv)
    late.recorder.sync().result(timeout=10)
    reply.tool_calls.append(ToolCall("call_0", "count_string", '{"string": "same"}'))
    reply.status = "complete"
    late.recorder.handle(ToolCallCompleted(reply.tool_calls[0]))
    late.recorder.close()
    saved = late.saved().messages[1]
    assert [c.name for c in saved.tool_calls] == ["count_string"] and saved.status == "complete"
