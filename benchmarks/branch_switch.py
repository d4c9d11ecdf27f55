"""Switching a branch in a 1,000-message session, against opening it (issue 10: "within the time
the session takes to open").

Builds `long_session(1000)` (tests/ui/app_support.py, as benchmarks/open_session.py), then
branches it the heavy way: the second question gets an edited sibling whose branch is a full
copy of everything below (so a switch there replaces ~996 messages on screen), and every 25th
turn's answer a regenerated sibling. Saves it to a throwaway store and prints, medians of
--runs:

- store: `SessionStore.load` (the tree, at its current leaf), `switch_branch` (load, switch,
  save the leaf), and the in-memory `switch_sibling` plus `SessionRecorder.branch_changed`;
- app (120x40, run_test): opening the session (`load_conversation`, over another 1,000-message
  session on screen, as from the browser) until its last message is on screen and the sidebar
  filled, and a switch at the second question shown the same way, three ways: switch_sibling
  then `load_conversation` of the new path (a full re-mount: the most a branch UI would
  redraw), the app's own switch (`ChatController.switch_branch`: the log redraws only below
  the switch, here the whole tail), and the app's switch at the last answer (a regenerated
  sibling added for it: only that reply is redrawn).

    python benchmarks/branch_switch.py [--messages 1000] [--runs 3]

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.open_session import last_message_painted, sidebar_filled  # noqa: E402
from tests.ui.app_support import long_session  # noqa: E402
from tui_chat.config import Settings  # noqa: E402
from tui_chat.engine.conversation import Conversation, Message, new_id  # noqa: E402
from tui_chat.engine.conversation_tree import add_sibling, show_branch, switch_sibling  # noqa: E402
from tui_chat.store import SessionRecorder, SessionStore  # noqa: E402
from tui_chat.ui.app import ChatApp  # noqa: E402


def branched_session(messages: int) -> tuple[Conversation, str]:
    """The long session with branches; returns it and the message whose sibling to switch to."""
    conv = long_session(messages)
    original = list(conv.messages)
    for turn in range(0, len(original) // 4, 25):  # regenerated answers
        answer = original[turn * 4 + 3]
        add_sibling(conv, answer.id, Message("assistant", f"Another answer to question {turn}."))
        show_branch(conv, original[-1].id)
    edited = original[4]  # the second question: an edited sibling with a full branch below
    add_sibling(conv, edited.id, replace(edited, id=new_id(), content=edited.content + " (edited)"))
    for message in original[5:]:
        conv.add(replace(message, id=new_id(), tool_calls=list(message.tool_calls)))
    show_branch(conv, original[-1].id, now=time.time())
    return conv, edited.id


def median_ms(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def shown(app: ChatApp, conversation: Conversation) -> float:
    started = time.perf_counter()
    task = asyncio.get_running_loop().create_task(app.load_conversation(conversation))
    while not (last_message_painted(app, conversation) and sidebar_filled(app, conversation)):
        await asyncio.sleep(0.005)
        if time.perf_counter() - started > 60:
            raise SystemExit("not shown within 60 s")
    done = time.perf_counter() - started
    await task
    return done


def switch_painted(app: ChatApp, conversation: Conversation, target: Message | None) -> bool:
    if target is None:
        return last_message_painted(app, conversation)
    view = app.chat_log.view_of(target.id)
    return view is not None and bool(view.region) and bool(app.chat_log.region.overlaps(view.region))


async def switched_in_app(app: ChatApp, conversation: Conversation, message_id: str, step: int) -> float:
    """`ChatController.switch_branch` until the new branch is on screen (log and sidebar)."""
    started = time.perf_counter()
    index = next(i for i, m in enumerate(conversation.messages) if m.id == message_id)
    assert app.controller.switch_branch(conversation.messages[index], step)
    # Shown: the new version's view is painted where the old one was (the log stays where the
    # user reads; at the second question it shows the branch's tail, as on opening).
    target = conversation.messages[index] if index >= len(conversation.messages) - 4 else None
    while not (switch_painted(app, conversation, target) and sidebar_filled(app, conversation)):
        await asyncio.sleep(0.005)
        if time.perf_counter() - started > 60:
            raise SystemExit("not shown within 60 s")
    return time.perf_counter() - started


async def app_figures(conversation: Conversation, switch_at: str) -> tuple[float, float, float, float]:
    settings = Settings(model="fake-model", base_url="http://127.0.0.1:9/v1", api_key="x")
    app = ChatApp(settings, freeze_gc=False)
    last = conversation.messages[-1]  # a regenerated last answer, to switch near the bottom
    add_sibling(conversation, last.id, Message("assistant", "Another last answer."))
    show_branch(conversation, last.id, now=time.time())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await shown(app, long_session(len(conversation.messages)))  # a session already on screen,
        await pilot.pause()  # as when one is opened from the browser
        opened = await shown(app, conversation)
        await pilot.pause()
        started = time.perf_counter()
        assert switch_sibling(conversation, switch_at, +1, now=time.time())
        switched = time.perf_counter() - started
        switched += await shown(app, conversation)
        await pilot.pause()
        switch_sibling(conversation, conversation.messages[4].id, -1, now=time.time())  # back
        await shown(app, conversation)
        await pilot.pause()
        at_end = await switched_in_app(app, conversation, last.id, +1)  # on the original branch
        await pilot.pause()
        in_app = await switched_in_app(app, conversation, switch_at, +1)
        await pilot.pause()
    return opened, switched, in_app, at_end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    conversation, switch_at = branched_session(args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        store = SessionStore.open(Path(tmp) / "sessions.sqlite3")
        store.save_conversation(conversation)
        loaded = store.load(conversation.id)
        print(
            f"{len(loaded.messages)} messages on the current branch, {len(loaded.tree)} in the tree, 120x40"
        )
        load_ms = median_ms(lambda: store.load(conversation.id), args.runs)
        state = {"step": +1}

        def persisted_switch() -> None:
            at = switch_at if state["step"] > 0 else flip(store)
            store.switch_branch(conversation.id, at, state["step"])
            state["step"] = -state["step"]

        def flip(store: SessionStore) -> str:
            return store.load(conversation.id).messages[4].id

        switch_ms = median_ms(persisted_switch, args.runs * 2)
        recorder = SessionRecorder(store, loaded)
        steps = {"at": switch_at, "step": +1}

        def in_memory_switch() -> None:
            switch_sibling(loaded, steps["at"], int(steps["step"]), now=time.time())
            recorder.branch_changed().result(timeout=10)
            steps["at"], steps["step"] = loaded.messages[4].id, -int(steps["step"])

        memory_ms = median_ms(in_memory_switch, args.runs * 2)
        recorder.close()
        store.close()
    print(f"store: load {load_ms:.1f} ms, switch_branch (load + save) {switch_ms:.1f} ms,")
    print(f"       in-memory switch_sibling + recorder.branch_changed {memory_ms:.1f} ms")
    opens, switches, in_apps, at_ends = [], [], [], []
    for run in range(args.runs):
        fresh, at = branched_session(args.messages)
        opened, switched, in_app, at_end = asyncio.run(app_figures(fresh, at))
        opens.append(opened)
        switches.append(switched)
        in_apps.append(in_app)
        at_ends.append(at_end)
        print(
            f"run {run + 1}: open {opened:.3f} s; switch at the second question shown: re-mount "
            f"{switched:.3f} s, app {in_app:.3f} s; app switch at the last answer {at_end:.3f} s"
        )
    opened = statistics.median(opens)
    for label, figures in (
        ("switch at the second question, full re-mount", switches),
        ("switch at the second question, the app's", in_apps),
        ("switch at the last answer, the app's", at_ends),
    ):
        median = statistics.median(figures)
        print(f"median {label}: {median:.3f} s ({median / opened:.0%} of the open, {opened:.3f} s)")


if __name__ == "__main__":
    main()
