"""The session saver through its protocol: it follows a controller's `ChatEvent` stream and the
store ends up holding what the user saw. Real store on disk, real engine over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest

from tests.engine.support import make_engine
from tests.engine.test_controller import TaskHost
from tests.fakeserver import FakeServer, text_reply
from tui_chat.engine.controller import ChatController
from tui_chat.engine.conversation import Conversation
from tui_chat.store import SessionStore
from tui_chat.ui.session_saver import SessionSaver


@pytest.fixture
async def api_client(fake_server: FakeServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=fake_server.url, api_key="k", max_retries=0, timeout=5.0
    ) as client:
        yield client


async def saving_controller(
    client: openai.AsyncOpenAI, path: Path
) -> tuple[ChatController, TaskHost, SessionSaver, list[str]]:
    host = TaskHost()
    controller = ChatController(host, make_engine(client), Conversation())
    warnings: list[str] = []
    saver = await SessionSaver.start(
        controller, SessionStore.open(path), provider="openai", warn=warnings.append
    )
    assert saver is not None
    return controller, host, saver, warnings


async def test_the_users_message_is_on_disk_before_the_request_goes_out(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tmp_path: Path
) -> None:
    fake_server.script(text_reply("stored answer"))
    controller, host, saver, warnings = await saving_controller(api_client, tmp_path / "s.db")
    on_disk_at_request: list[list[str | None]] = []

    async def look() -> None:  # runs after the saver's own gate
        with SessionStore.open(tmp_path / "s.db") as other:
            loaded = await asyncio.to_thread(other.load, controller.conversation.id)
            on_disk_at_request.append([m.content for m in loaded.messages])

    controller.request_gates.append(look)
    controller.send("remember me")
    await host.wait()
    await saver.flush()

    assert on_disk_at_request == [["remember me"]]
    loaded = saver.store.load(controller.conversation.id)
    assert [(m.role, m.content) for m in loaded.messages] == [
        ("user", "remember me"),
        ("assistant", "stored answer"),
    ]
    await saver.close()
    assert warnings == []


async def test_regenerate_replaces_the_stored_reply_and_an_opened_conversation_keeps_the_old_one(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI, tmp_path: Path
) -> None:
    fake_server.script(text_reply("old"), text_reply("new"))
    controller, host, saver, _ = await saving_controller(api_client, tmp_path / "s.db")
    controller.send("q")
    await host.wait()
    controller.regenerate()
    await host.wait()
    first = controller.conversation
    controller.open(Conversation())
    await saver.flush()

    loaded = saver.store.load(first.id)
    assert [m.content for m in loaded.messages] == ["q", "new"]
    assert loaded.messages[1].previous_versions == ["old"]
    await saver.close()
