"""Every endpoint's models at once (the f2 picker's list), through the real SDK over loopback
HTTP: a server that never answers is reported, and does not keep the others from listing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from tests.commands.helpers import write_config
from tests.fakeserver import FakeServer
from tui_chat.config import load_settings
from tui_chat.engine.endpoint_models import list_endpoint_models


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A port that takes connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


def test_a_silent_endpoint_times_out_and_the_others_still_list(
    fake_server: FakeServer, silent_url: str
) -> None:
    write_config(
        f'[endpoints.up]\nbase_url = "{fake_server.url}"\n'
        f'[endpoints.silent]\nbase_url = "{silent_url}"\n'
        '[endpoints.fixed]\nbase_url = "http://127.0.0.1:9/v1"\nmodels = ["mine", "yours"]\n'
        '[endpoints.keyless]\nbase_url = "https://api.openai.com/v1"\napi_key_env = "NOT_SET_KEY"\n'
    )
    settings = load_settings({"endpoint": "up"}, environ={})
    found = {e.endpoint: e for e in asyncio.run(list_endpoint_models(settings, timeout=0.5, environ={}))}
    assert list(found) == ["up", "silent", "fixed", "keyless"]
    assert found["up"].models == ["fake-model", "fake-model-large"] and found["up"].problem is None
    assert found["silent"].models == []
    assert "timed out" in (found["silent"].problem or "") or "no answer" in (found["silent"].problem or "")
    assert found["fixed"].models == ["mine", "yours"]  # a configured list: nothing is asked
    assert "NOT_SET_KEY, which is not set" in (found["keyless"].problem or "")
