"""The first request's own cost once the SDK is prepared: `ChatEngine.prepare()` (what the app's
preload thread runs after the first frame), then the first and a second request to the loopback
server, Enter to first text. Run it in two trees to compare:

    python benchmarks/first_request.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from tests.fakeserver import FakeServer, text_reply
from tui_chat.config import Settings
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.events import TextDelta
from tui_chat.engine.factory import build_engine


async def first_text(engine: object) -> float:
    conversation = Conversation()
    conversation.add(Message(role="user", content="hi"))
    start = time.perf_counter()
    async for event in engine.run_turn(conversation):  # type: ignore[attr-defined]
        if isinstance(event, TextDelta):
            return time.perf_counter() - start
    raise RuntimeError("no text")


async def once() -> None:
    server = FakeServer()
    try:
        server.script(text_reply("one"), text_reply("two"))
        engine = build_engine(Settings(model="fake-model", base_url=server.url, api_key="k")).engine
        assert engine is not None
        start = time.perf_counter()
        engine.prepare()
        prepared = time.perf_counter() - start
        first, second = await first_text(engine), await first_text(engine)
        print(f"prepare {prepared:.3f} s  first request {first:.3f} s  second {second:.3f} s", flush=True)
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        asyncio.run(once())
        return
    for _ in range(args.runs):  # a fresh interpreter each time: nothing imported yet
        subprocess.run([sys.executable, __file__, "--once"], check=True)


if __name__ == "__main__":
    main()
