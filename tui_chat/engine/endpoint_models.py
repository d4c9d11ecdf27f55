"""The models of every endpoint, fetched in parallel with a short timeout (the model picker's
list): an endpoint that does not answer is reported as such, the others still list."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

from tui_chat.config import ConfigError, Settings
from tui_chat.config.endpoints import endpoint_names, with_endpoint

LIST_TIMEOUT = 5.0  # seconds per endpoint: the picker must not wait long for a dead server


@dataclass(frozen=True)
class EndpointModels:
    endpoint: str
    models: list[str]
    problem: str | None = None  # why none could be listed (unreachable, key refused, ...)


async def list_endpoint_models(
    settings: Settings, *, timeout: float = LIST_TIMEOUT, environ: Mapping[str, str] = os.environ
) -> list[EndpointModels]:
    """One entry per endpoint (endpoint_names order), all fetched at once."""
    names = endpoint_names(settings)
    if settings.endpoint not in names:
        names.insert(0, settings.endpoint)
    return list(await asyncio.gather(*(_models_of(settings, name, timeout, environ) for name in names)))


async def _models_of(
    settings: Settings, name: str, timeout: float, environ: Mapping[str, str]
) -> EndpointModels:
    from tui_chat.engine.errors import ErrorContext, describe_error
    from tui_chat.engine.providers import list_models, make_client

    listed = settings.endpoints[name].models if name in settings.endpoints else None
    if listed:
        return EndpointModels(name, list(listed))
    own = settings if name == settings.endpoint else with_endpoint(settings, name, environ=environ)
    own = dataclasses.replace(own, max_retries=0, timeout=timeout, connect_timeout=timeout)
    try:
        client = make_client(own)
    except ConfigError as exc:
        return EndpointModels(name, [], str(exc))
    try:
        return EndpointModels(name, await asyncio.wait_for(list_models(client), timeout))
    except TimeoutError:
        return EndpointModels(name, [], f"no answer within {timeout:g} s")
    except Exception as exc:
        context = ErrorContext(base_url=str(client.base_url), api_key=own.api_key)
        return EndpointModels(name, [], describe_error(exc, context)[1])
    finally:
        await client.close()
