"""Engine test fixtures: a real AsyncOpenAI client talking to the loopback fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from tests.engine.support import API_KEY
from tests.fakeserver import FakeServer


@pytest.fixture
async def api_client(fake_server: FakeServer) -> AsyncIterator[openai.AsyncOpenAI]:
    # Short timeouts and no retries keep failure tests fast; stall tests use an even shorter one.
    async with openai.AsyncOpenAI(
        base_url=fake_server.url, api_key=API_KEY, max_retries=0, timeout=5.0
    ) as client:
        yield client
