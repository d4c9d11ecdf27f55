"""`ask` with named endpoints: --endpoint picks the server, the session remembers it, and
--continue goes on with it; `sessions` shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.commands.helpers import run_cli, write_config
from tests.fakeserver import FakeServer, text_reply


@pytest.fixture
def other_server() -> Iterator[FakeServer]:
    server = FakeServer()
    try:
        yield server
    finally:
        server.close()


def test_continue_goes_on_with_the_sessions_endpoint(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, other_server: FakeServer
) -> None:
    write_config(
        'default_endpoint = "home"\n'
        f'[endpoints.home]\nbase_url = "{fake_server.url}"\ndefault_model = "fake-model"\n'
        f'[endpoints.lab]\nbase_url = "{other_server.url}"\ndefault_model = "fake-model-large"\n'
    )
    other_server.script(text_reply("first answer"), text_reply("second answer"))
    first = run_cli(capsys, "ask", "--endpoint", "lab", "hello")
    assert first.code == 0, first.err
    again = run_cli(capsys, "ask", "--continue", "and then?")  # default_endpoint is home
    assert again.code == 0, again.err
    assert "second answer" in again.out
    assert len(other_server.chat_requests) == 2 and not fake_server.chat_requests
    assert other_server.chat_requests[-1].json["model"] == "fake-model-large"

    listing = run_cli(capsys, "sessions")
    header, row = listing.out.splitlines()[:2]
    assert "ENDPOINT" in header and " lab " in row
    [summary] = json.loads(run_cli(capsys, "sessions", "--json").out)
    assert summary["endpoint"] == "lab"


def test_an_endpoint_flag_overrides_the_sessions_endpoint(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, other_server: FakeServer
) -> None:
    write_config(
        f'[endpoints.home]\nbase_url = "{fake_server.url}"\ndefault_model = "fake-model"\n'
        f'[endpoints.lab]\nbase_url = "{other_server.url}"\ndefault_model = "fake-model"\n'
    )
    other_server.script(text_reply("one"))
    fake_server.script(text_reply("two"))
    assert run_cli(capsys, "ask", "--endpoint", "lab", "hello").code == 0
    assert run_cli(capsys, "ask", "--endpoint", "home", "--continue", "more").code == 0
    assert len(fake_server.chat_requests) == 1
    [summary] = json.loads(run_cli(capsys, "sessions", "--json").out)
    assert summary["endpoint"] == "home"
    assert json.loads(run_cli(capsys, "sessions", "--json", "--endpoint", "home").out) == [summary]
    assert json.loads(run_cli(capsys, "sessions", "--json", "--endpoint", "lab").out) == []


def test_a_session_saved_before_endpoints_goes_on_with_the_endpoint_in_use(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, other_server: FakeServer
) -> None:
    from tui_chat import paths
    from tui_chat.engine.conversation import Conversation, Message
    from tui_chat.store import SessionStore

    with SessionStore.open(paths.database_file()) as store:
        old = Conversation(model="fake-model")  # endpoint None, as a v5 database has it
        old.add(Message("user", "before"))
        old.add(Message("assistant", "old answer"))
        store.save_conversation(old)
    write_config(
        f'base_url = "{fake_server.url}"\ndefault_endpoint = "lab"\n'
        f'[endpoints.lab]\nbase_url = "{other_server.url}"\n'
    )
    other_server.script(text_reply("new answer"))
    assert run_cli(capsys, "ask", "--continue", "after").code == 0
    assert len(other_server.chat_requests) == 1 and not fake_server.chat_requests
    [summary] = json.loads(run_cli(capsys, "sessions", "--json").out)
    assert summary["endpoint"] == "lab"


def test_an_endpoint_without_a_model_uses_the_servers_only_one(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeServer(quirks=["one_model"]) as server:
        write_config(f'[endpoints.local]\nbase_url = "{server.url}"\n')
        server.script(text_reply("Hello from the only model."))

        result = run_cli(capsys, "ask", "--endpoint", "local", "hi")

        assert result.code == 0, result.err
        assert result.out == "Hello from the only model.\n"
        assert server.chat_requests[-1].json["model"] == "fake-model"
    [summary] = json.loads(run_cli(capsys, "sessions", "--json").out)
    assert summary["model"] == "fake-model"  # saved: --continue goes on with it


def test_an_endpoint_without_a_model_on_a_server_with_several_says_which_setting_to_set(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    write_config(f'[endpoints.local]\nbase_url = "{fake_server.url}"\n')

    result = run_cli(capsys, "ask", "--endpoint", "local", "hi")

    assert result.code == 2 and result.out == ""
    assert "the server offers 2: fake-model, fake-model-large" in result.err
    assert 'set default_model = "NAME" under [endpoints.local]' in result.err
    assert "--model NAME" in result.err
    assert not fake_server.chat_requests  # no request to a model nobody chose
