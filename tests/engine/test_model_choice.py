"""A connection that names no model: the server's only one, or a refusal naming the setting."""

from __future__ import annotations

import openai

from tests.fakeserver import FakeServer
from tui_chat.engine.model_choice import choose_model

ADVICE = 'set default_model = "NAME" under [endpoints.lab]'


def client_of(url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=url, api_key="sk-test", max_retries=0)


async def test_the_only_model_is_taken_and_several_are_named() -> None:
    with FakeServer(quirks=["one_model"]) as one, FakeServer() as two:
        async with client_of(one.url) as client:
            assert (await choose_model(client, ADVICE)).model == "fake-model"
        async with client_of(two.url) as client:
            refused = await choose_model(client, ADVICE)
    assert (refused.model, refused.kind) == (None, "no_model")
    assert refused.message == (
        "No model is chosen for this endpoint and the server offers 2: fake-model, fake-model-large. "
        f"To choose one, {ADVICE}."
    )


async def test_an_unreachable_server_is_a_connection_problem_first() -> None:
    gone = FakeServer()
    gone.close()
    async with client_of(gone.url) as client:
        refused = await choose_model(client, ADVICE)
    assert refused.model is None and refused.kind == "connection"
    assert refused.message.endswith(f"(No model is chosen either: {ADVICE}.)")


async def test_a_server_without_a_model_list_says_so() -> None:
    with FakeServer(quirks=["no_models"]) as server:
        async with client_of(server.url) as client:
            refused = await choose_model(client, ADVICE)
    assert refused.kind == "no_model" and "its model list could not be read" in refused.message
