"""A model for a connection that names none (an endpoint without `default_model`): the model
the server offers when it offers exactly one (Ollama with one model pulled, llama.cpp, vLLM),
else a refusal that says which setting to set. Asked once, before the first request.

Guessing gpt-4o-mini instead sent every request to a model the user never chose: on a local
server a 404 that named no setting.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.engine.errors import ErrorContext, describe_error
from tui_chat.engine.events import ErrorKind

if TYPE_CHECKING:
    import openai

LIST_TIMEOUT = 10.0  # seconds: the turn waits for the list
_SHOWN = 6  # models named in the message


@dataclass(frozen=True)
class ModelChoice:
    model: str | None  # None: none could be chosen, `kind` and `message` say why
    kind: ErrorKind = "no_model"
    message: str = ""


async def choose_model(
    client: openai.AsyncOpenAI, advice: str, *, timeout: float = LIST_TIMEOUT
) -> ModelChoice:
    """The server's only model, or why there is none to take (`advice`: which setting to set)."""
    from tui_chat.engine.providers import list_models

    try:
        models = await asyncio.wait_for(list_models(client.with_options(max_retries=0)), timeout)
    except TimeoutError:
        return ModelChoice(
            None, "timeout", _refusal(f"the server did not list its models within {timeout:g} s", advice)
        )
    except Exception as exc:
        context = ErrorContext(base_url=str(client.base_url), api_key=client.api_key or None)
        kind, text = describe_error(exc, context)
        if kind in ("connection", "timeout", "auth"):
            return ModelChoice(None, kind, f"{text} (No model is chosen either: {advice}.)")
        return ModelChoice(None, "no_model", _refusal(f"its model list could not be read ({text})", advice))
    if len(models) == 1:
        return ModelChoice(models[0])
    if not models:
        return ModelChoice(None, "no_model", _refusal("the server lists no models", advice))
    named = ", ".join(models[:_SHOWN]) + (", ..." if len(models) > _SHOWN else "")
    return ModelChoice(None, "no_model", _refusal(f"the server offers {len(models)}: {named}", advice))


def _refusal(why: str, advice: str) -> str:
    return f"No model is chosen for this endpoint and {why}. To choose one, {advice}."
