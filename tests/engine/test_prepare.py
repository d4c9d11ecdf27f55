"""The SDK is prepared in a thread after the app's first frame; a message sent before that is
done waits for it without freezing the event loop, and the first request imports nothing
`prepare` could have imported."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading

import openai

from tests.engine.support import conversation_with, ended, run_turn
from tests.fakeserver import FakeServer, text_reply
from tui_chat.engine.turn import ChatEngine, TurnOptions


async def test_a_turn_waits_for_the_client_being_made_and_the_loop_keeps_running(
    fake_server: FakeServer,
) -> None:
    making, loop_ran = threading.Event(), threading.Event()
    in_time: list[bool] = []

    def connect() -> openai.AsyncOpenAI:
        making.set()
        in_time.append(loop_ran.wait(timeout=5))  # the loop runs while the client is made
        return openai.AsyncOpenAI(base_url=fake_server.url, api_key="k", max_retries=0)

    engine = ChatEngine(connect, None, TurnOptions(model="fake-model"))
    threading.Thread(target=engine.prepare, daemon=True).start()
    assert making.wait(timeout=5)
    fake_server.script(text_reply("hello"))
    turn = asyncio.create_task(run_turn(engine, conversation_with("hi")))

    async def other_work() -> None:  # e.g. the UI echoing a key
        loop_ran.set()

    other = asyncio.create_task(other_work())
    events = await asyncio.wait_for(turn, timeout=15)
    await other
    assert in_time == [True]  # before: the turn blocked the loop on the client's lock
    assert ended(events).content == "hello"
    assert len(fake_server.chat_requests) == 1


def test_prepare_imports_what_the_first_request_needs() -> None:
    # A fresh interpreter: after prepare(), sending imports no more SDK modules.
    code = textwrap.dedent(
        """
        import sys
        from tui_chat.config import Settings
        from tui_chat.engine.factory import build_engine
        engine = build_engine(Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k")).engine
        engine.prepare()
        before = set(sys.modules)
        client = engine.client.with_options(max_retries=0)
        client.chat.completions.with_streaming_response.create
        print(sorted(m for m in set(sys.modules) - before if m.startswith("openai")))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_prepare_leaves_jsonschema_while_a_reply_streams() -> None:
    # jsonschema is for the first tool call; importing it while the first reply streams only
    # slows that reply. A fresh interpreter, so nothing imported it yet.
    code = textwrap.dedent(
        """
        import sys
        from tui_chat.config import Settings
        from tui_chat.engine.controller import ChatController
        from tui_chat.engine.conversation import Conversation
        from tui_chat.engine.factory import build_engine

        engine = build_engine(Settings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k")).engine
        controller = ChatController(None, engine, Conversation())
        controller._running = True  # a turn is on
        controller.prepare()
        print("jsonschema" in sys.modules)
        controller._running = False
        controller.prepare()
        print("jsonschema" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
