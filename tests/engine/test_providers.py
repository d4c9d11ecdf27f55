"""make_client against the loopback server through the real SDK: URLs, auth headers,
retries honouring Retry-After, timeouts, missing keys, and listing models."""

from __future__ import annotations

import time

import openai
import pytest

from tests.fakeserver import FakeServer, error_reply, sse_reply, text_reply
from tui_chat import paths
from tui_chat.config import ConfigError, Settings
from tui_chat.engine.providers import PLACEHOLDER_API_KEY, list_models, make_client


async def stream_text(client: openai.AsyncOpenAI, model: str = "fake-model") -> str:
    stream = await client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "hi"}], stream=True
    )
    parts = []
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


async def test_openai_compatible_server_gets_bearer_key(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("hello there"))
    client = make_client(Settings(base_url=fake_server.url, api_key="sk-test-1234"))
    async with client:
        assert await stream_text(client) == "hello there"
    request = fake_server.chat_requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-1234"


async def test_local_server_without_key_gets_a_placeholder(fake_server: FakeServer) -> None:
    async with make_client(Settings(base_url=fake_server.url, api_key=None)) as client:
        await stream_text(client)
    assert fake_server.chat_requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"


@pytest.mark.parametrize("base_url", [None, "https://api.openai.com/v1"])
def test_missing_key_for_openai_says_how_to_set_it(base_url: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        make_client(Settings(base_url=base_url, api_key=None))
    message = str(caught.value)
    assert "OPENAI_API_KEY" in message
    assert str(paths.config_file()) in message
    assert "--base-url" in message


async def test_azure_uses_deployment_path_api_version_and_api_key_header(fake_server: FakeServer) -> None:
    fake_server.script(text_reply("from azure"))
    settings = Settings(
        provider="azure",
        azure_endpoint=f"http://127.0.0.1:{fake_server.port}",
        azure_deployment="my-deployment",
        azure_api_version="2024-10-21",
        api_key="azure-secret-key",
        model="my-deployment",
    )
    async with make_client(settings) as client:
        assert await stream_text(client, model=settings.model) == "from azure"
    request = fake_server.chat_requests[0]
    assert request.path == "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21"
    assert request.headers["api-key"] == "azure-secret-key"
    assert "azure-secret-key" not in request.headers.get("authorization", "")


def test_azure_without_key_or_endpoint_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY"):
        make_client(Settings(provider="azure", azure_endpoint="https://r.openai.azure.com"))
    with pytest.raises(ConfigError, match="AZURE_OPENAI_ENDPOINT"):
        make_client(Settings(provider="azure", api_key="k"))


async def test_rate_limit_is_retried_after_the_servers_retry_after(fake_server: FakeServer) -> None:
    fake_server.script(
        error_reply(429, "slow down", headers={"Retry-After": "0.01"}),
        error_reply(429, "slow down", headers={"Retry-After": "0.01"}),
        text_reply("finally"),
    )
    settings = Settings(base_url=fake_server.url, api_key="k", max_retries=2)
    async with make_client(settings) as client:
        started = time.monotonic()
        assert await stream_text(client) == "finally"
        # Without Retry-After the SDK backs off 0.5 s and more; the header's 10 ms was honoured.
        assert time.monotonic() - started < 0.5
    assert len(fake_server.chat_requests) == 3


async def test_retries_are_bounded_by_max_retries(fake_server: FakeServer) -> None:
    fake_server.script(*[error_reply(429, "slow down", headers={"Retry-After": "0.01"})] * 2, text_reply("x"))
    async with make_client(Settings(base_url=fake_server.url, api_key="k", max_retries=1)) as client:
        with pytest.raises(openai.RateLimitError):
            await stream_text(client)
    assert len(fake_server.chat_requests) == 2


async def test_stalled_stream_fails_after_the_read_timeout(fake_server: FakeServer) -> None:
    fake_server.script(sse_reply([{"choices": []}], stall_after=1))
    settings = Settings(base_url=fake_server.url, api_key="k", timeout=0.2, max_retries=0)
    async with make_client(settings) as client:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            await stream_text(client)
        assert time.monotonic() - started < 5
    assert "timeout" in type(caught.value).__name__.lower() or "timed out" in str(caught.value).lower()


async def test_list_models(fake_server: FakeServer) -> None:
    async with make_client(Settings(base_url=fake_server.url, api_key="k")) as client:
        assert await list_models(client) == ["fake-model", "fake-model-large"]
