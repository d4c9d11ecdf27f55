"""How long opening a 1,000-message session takes, and where the time goes.

Builds a 1,000-message conversation with a tool call per turn (`long_session` from
tests/ui/app_support.py, which the long-session tests use too), opens it in the app
(`load_conversation`, what the sessions screen calls) under `run_test` at 120x40, and prints:

- the time until the last message is on screen (painted) and until the tool sidebar is filled;
- a cProfile summary (top 15 by cumulative time) of a second, profiled open.

    python benchmarks/open_session.py [--messages 1000] [--no-profile]

It prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui.app_support import long_session  # noqa: E402
from tui_chat.config import Settings  # noqa: E402
from tui_chat.engine.conversation import Conversation  # noqa: E402
from tui_chat.ui.app import ChatApp  # noqa: E402
from tui_chat.ui.widgets.messages import MessageView  # noqa: E402


def last_message_painted(app: ChatApp, conversation: Conversation) -> bool:
    """The last message's view is mounted, laid out, inside the log's visible region, and its
    text is in the screen's last rendered frame."""
    log = app.chat_log
    view = log.view_of(conversation.messages[-1].id)
    if not isinstance(view, MessageView) or not view.region:
        return False
    return bool(log.region.overlaps(view.region)) and log.scroll_y >= log.max_scroll_y - 1


def sidebar_filled(app: ChatApp, conversation: Conversation) -> bool:
    last_call = conversation.messages[-3].tool_calls[-1].id
    card = app.sidebar.card(last_call)
    return card is not None and card.is_attached and bool(card.region)


async def open_once(
    conversation: Conversation, profile: cProfile.Profile | None
) -> tuple[float, float, float]:
    settings = Settings(model="fake-model", base_url="http://127.0.0.1:9/v1", api_key="x")
    app = ChatApp(settings, freeze_gc=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        painted_at = filled_at = 0.0
        if profile is not None:
            profile.enable()
        task = loop.create_task(app.load_conversation(conversation))
        while not (painted_at and filled_at):
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            if not painted_at and last_message_painted(app, conversation):
                painted_at = now
            if not filled_at and sidebar_filled(app, conversation):
                filled_at = now
            if now - started > 60:
                raise SystemExit("not opened within 60 s")
        await task  # returned long before: load_conversation does not wait for the sidebar
        returned_at = time.perf_counter()
        await pilot.pause()
        if profile is not None:
            profile.disable()
        log_views = len(app.chat_log.query(MessageView))
        print(f"  mounted: {log_views} messages in the log, {len(app.sidebar.turns)} sidebar turns")
        return painted_at - started, filled_at - started, returned_at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    conversation = long_session(args.messages)
    print(f"{len(conversation.messages)} messages, {args.messages // 4} turns with a tool call, 120x40")
    for run in range(args.runs):
        painted, filled, returned = asyncio.run(open_once(conversation, None))
        print(
            f"run {run + 1}: last message on screen {painted:.2f} s, sidebar filled {filled:.2f} s, "
            f"both done {returned:.2f} s"
        )
    if not args.no_profile:
        profile = cProfile.Profile()
        asyncio.run(open_once(conversation, profile))
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
