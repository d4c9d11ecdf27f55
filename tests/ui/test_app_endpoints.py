"""Named endpoints in the app (issue 14): f2 lists every endpoint's models grouped by endpoint
(an unreachable one says so), choosing one switches the chat to that server, a session reopens
on its endpoint, and the status bar names the endpoint and what the engine adapts to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.commands.helpers import write_config
from tests.fakeserver import FakeServer, text_reply
from tests.ui.app_support import SIZE, errors, replies, send, settle, wait_for
from tui_chat.config import load_settings
from tui_chat.store import SessionStore
from tui_chat.ui.app import ChatApp
from tui_chat.ui.screens.model_picker import ModelPickerScreen


@pytest.fixture
def second_server() -> Iterator[FakeServer]:
    server = FakeServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def dead_url() -> str:
    server = FakeServer()
    server.close()  # nothing listens there any more: connection refused
    return server.url


def configure(first: FakeServer, second: FakeServer, dead_url: str) -> None:
    write_config(
        'default_endpoint = "first"\nmax_retries = 0\n'
        f'[endpoints.first]\nbase_url = "{first.url}"\ndefault_model = "fake-model"\n'
        f'[endpoints.second]\nbase_url = "{second.url}"\napi_key_env = "SECOND_KEY"\n'
        f'[endpoints.gone]\nbase_url = "{dead_url}"\ntimeout = 2\n'
    )


def option_texts(app: ChatApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_picker_groups_models_by_endpoint_and_switching_sends_to_the_other_server(
    fake_server: FakeServer,
    second_server: FakeServer,
    dead_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECOND_KEY", "sk-second-key-0123456789")
    configure(fake_server, second_server, dead_url)
    fake_server.script(text_reply("from the first"))
    second_server.script(text_reply("from the second"))
    db_path = tmp_path / "sessions.db"
    app = ChatApp(load_settings(), store=SessionStore.open(db_path), freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "@first" in str(app.status_bar.render())
        await send(pilot, "one")
        await settle(pilot)
        await pilot.press("f2")
        assert isinstance(app.screen, ModelPickerScreen)
        await wait_for(pilot, lambda: any("unreachable" in t for t in option_texts(app)))
        texts = option_texts(app)
        assert texts[0] == "first" and texts[3] == "second" and texts[6].startswith("gone  unreachable")
        assert "fake-model  (current)" in texts[1] and texts[4].strip() == "fake-model"
        await pilot.press("down", "down", "down", "enter")  # past the header: second's fake-model-large
        await pilot.pause()
        assert app.settings.endpoint == "second" and app.current_model == "fake-model-large"
        assert "@second" in str(app.status_bar.render())
        await send(pilot, "two")
        await settle(pilot)
        assert len(fake_server.chat_requests) == 1
        [request] = second_server.chat_requests
        assert request.json["model"] == "fake-model-large"
        assert request.headers["authorization"] == "Bearer sk-second-key-0123456789"
        assert app.sessions is not None
        await app.sessions.flush()
        session_id = app.conversation.id

    with SessionStore.open(db_path) as store:
        saved = store.load(session_id)
        assert (saved.endpoint, saved.model) == ("second", "fake-model-large")
        assert "sk-second" not in db_path.read_bytes().decode("latin-1")

    # Reopened in a new app whose default endpoint is "first": it goes on with "second".
    second_server.script(text_reply("again"))
    store = SessionStore.open(db_path)
    app = ChatApp(load_settings(), store=store, freeze_gc=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.load_conversation(store.load(session_id))
        assert app.settings.endpoint == "second"
        await send(pilot, "three")
        await settle(pilot)
        assert len(second_server.chat_requests) == 2 and len(fake_server.chat_requests) == 1


async def test_adaptations_show_in_the_status_bar_and_degrade_when_narrow(
    fake_server: FakeServer, second_server: FakeServer, dead_url: str
) -> None:
    from tui_chat.engine import quirks

    configure(fake_server, second_server, dead_url)
    quirks.remember(fake_server.url, "fake-model", stream_options=False)  # as `doctor` saves it
    fake_server.script(text_reply("ok"))
    app = ChatApp(load_settings(), freeze_gc=False, save_sessions=False)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        assert "adapted: no stream_options" in str(app.status_bar.render())
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        rendered = str(app.status_bar.render())
        assert "adapted" in rendered and "no stream_options" not in rendered
        await pilot.resize_terminal(20, 8)
        await pilot.pause()
        assert "adapted" not in str(app.status_bar.render())


async def test_an_endpoint_whose_key_variable_is_unset_opens_and_says_so(fake_server: FakeServer) -> None:
    write_config(f'[endpoints.lab]\nbase_url = "{fake_server.url}"\napi_key_env = "LAB_KEY"\n')
    app = ChatApp(load_settings({"endpoint": "lab"}), freeze_gc=False, save_sessions=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.status_bar.state == "not configured"
        assert "LAB_KEY, which is not set" in app.controller.not_ready
        assert "LAB_KEY" in (app.chat_log.welcome or "")


async def test_an_endpoint_without_a_model_says_which_setting_names_one(fake_server: FakeServer) -> None:
    write_config(f'[endpoints.lab]\nbase_url = "{fake_server.url}"\n')  # the server offers two
    app = ChatApp(load_settings({"endpoint": "lab"}), freeze_gc=False, save_sessions=False)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await settle(pilot)
        [error] = errors(app)
        shown = str(error.render())
        assert "No model chosen" in shown and "fake-model, fake-model-large" in shown
        assert 'default_model = "NAME" under [endpoints.lab]' in shown and "f2 picks one" in shown
        assert not fake_server.chat_requests


async def test_an_endpoint_without_a_model_takes_the_servers_only_one() -> None:
    with FakeServer(quirks=["one_model"]) as server:
        write_config(f'[endpoints.lab]\nbase_url = "{server.url}"\n')
        server.script(text_reply("Hello."))
        app = ChatApp(load_settings({"endpoint": "lab"}), freeze_gc=False, save_sessions=False)
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, "hi")
            await settle(pilot)
            assert not errors(app) and replies(app)[-1].message.content == "Hello."
            assert server.chat_requests[-1].json["model"] == "fake-model"
            assert "model fake-model" in str(app.status_bar.render())
