"""Test-wide isolation: every test gets its own config and data directories, and no real
API credentials from the developer's environment leak in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver import FakeServer

_ENV_TO_CLEAR = [
    "TUI_CHAT_ENDPOINT",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_VERSION",
    "AZURE_OPENAI_CHAT_DEPLOYMENT",
    "AZURE_OPENAI_SYSTEM_PROMPT",
    "AZURE_OPENAI_AD_TOKEN",
    "NO_COLOR",
]


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    data = tmp_path / "data"
    monkeypatch.setenv("TUI_CHAT_CONFIG_DIR", str(config))
    monkeypatch.setenv("TUI_CHAT_DATA_DIR", str(data))
    return {"config": config, "data": data}


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    """A started loopback OpenAI-compatible server (tests/fakeserver.py), closed afterwards."""
    server = FakeServer()
    try:
        yield server
    finally:
        server.close()
