"""Named endpoints: `[endpoints.NAME]` tables in the config file (issue 14).

An endpoint is one server's connection: provider, URL, where its key comes from, its models.
The flat settings (`base_url`, `api_key`, ... at the top level, the environment, the flags)
stay an implicit endpoint named "default". Choosing an endpoint replaces the connection fields
of `Settings` (CONNECTION_FIELDS) with the endpoint's; everything else is shared.

The key itself never sits in an `Endpoint` read from the environment: `api_key_env` names the
variable, read when the endpoint is applied, so a key is only ever in `Settings.api_key`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tui_chat import paths
from tui_chat.config import checks
from tui_chat.config.checks import Check, Invalid, show

if TYPE_CHECKING:
    from tui_chat.config.settings import Settings

DEFAULT_ENDPOINT = "default"
ENDPOINT_VARIABLE = "TUI_CHAT_ENDPOINT"
# Settings.sources["model"] of an endpoint that names no model: the engine takes the server's
# only model, or refuses the turn saying which setting to set (`missing_model_advice`).
MODEL_NOT_SET = "none named: the server's only model"
_OPENAI_HOSTS = {"api.openai.com"}

# The Settings fields an endpoint sets; the rest of the settings are shared by every endpoint.
CONNECTION_FIELDS = (
    "provider",
    "base_url",
    "api_key",
    "azure_endpoint",
    "azure_api_version",
    "azure_deployment",
    "model",
    "headers",
    "legacy_functions",
    "timeout",
)


@dataclass(frozen=True)
class Endpoint:
    name: str
    provider: str = "openai"
    base_url: str | None = None
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)  # literal: allowed, discouraged
    azure_endpoint: str | None = None
    azure_api_version: str | None = None
    azure_deployment: str | None = None
    models: tuple[str, ...] | None = None  # None: ask the server (/v1/models)
    default_model: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    legacy_functions: bool | None = None
    timeout: float | None = None


_KEY_CHECKS: dict[str, Check] = {
    "provider": checks.choice("openai", "azure"),
    "base_url": checks.text,
    "api_key_env": checks.text,
    "api_key": checks.text,
    "azure_endpoint": checks.text,
    "azure_api_version": checks.text,
    "azure_deployment": checks.text,
    "models": checks.text_list,
    "default_model": checks.text,
    "headers": checks.text_table,
    "legacy_functions": checks.flag,
    "timeout": checks.number(positive=True),
}


def check_endpoints(value: Any) -> dict[str, Endpoint]:
    """The [endpoints.NAME] tables -> Endpoint per name. Invalid's inner_key is "NAME.key", so
    the message names file, table and key ("'endpoints.work.timeout' must be a number")."""
    if not isinstance(value, dict):
        raise Invalid(f"must be a table of [endpoints.NAME] tables, not {show(value)}")
    endpoints: dict[str, Endpoint] = {}
    for name, table in value.items():
        if not isinstance(table, dict):
            raise Invalid(f"must be a table, not {show(table)}", inner_key=name)
        values: dict[str, Any] = {}
        for key, raw in table.items():
            if key not in _KEY_CHECKS:
                allowed = ", ".join(_KEY_CHECKS)
                raise Invalid(f"is not an endpoint setting (known: {allowed})", inner_key=f"{name}.{key}")
            try:
                values[key] = _KEY_CHECKS[key](raw)
            except Invalid as exc:
                raise Invalid(str(exc), inner_key=f"{name}.{key}") from None
        if "models" in values:
            values["models"] = tuple(values["models"])
        endpoints[name] = Endpoint(name=name, **values)
    return endpoints


def literal_key_warnings(endpoints: Mapping[str, Endpoint]) -> list[str]:
    return [
        f"'endpoints.{e.name}.api_key' holds a key in the config file: that is discouraged; "
        f'put it in a variable and name it with api_key_env = "..."'
        for e in endpoints.values()
        if e.api_key
    ]


def choose_endpoint(
    flag: str | None, environ: Mapping[str, str], default_endpoint: str | None
) -> tuple[str, str]:
    """The endpoint to use and why: --endpoint > TUI_CHAT_ENDPOINT > default_endpoint > "default"."""
    if flag:
        return flag, "command line"
    if environ.get(ENDPOINT_VARIABLE):
        return environ[ENDPOINT_VARIABLE], f"env {ENDPOINT_VARIABLE}"
    if default_endpoint:
        return default_endpoint, "config file"
    return DEFAULT_ENDPOINT, "default"


def endpoint_names(settings: Settings) -> list[str]:
    """Every endpoint the user can pick, in config order; the implicit "default" first when the
    flat settings point anywhere (or there are no named endpoints at all)."""
    names = list(settings.endpoints)
    if DEFAULT_ENDPOINT not in settings.endpoints:
        base_sources = settings.base_connection_sources
        flat_set = any(
            base_sources.get(name, "default") != "default"
            for name in ("provider", "base_url", "api_key", "azure_endpoint")
        )
        if flat_set or not names:
            names.insert(0, DEFAULT_ENDPOINT)
    return names


def with_endpoint(
    settings: Settings,
    name: str,
    *,
    environ: Mapping[str, str] = os.environ,
    flags: Mapping[str, Any] | None = None,
) -> Settings:
    """`settings` with endpoint `name`'s connection. Unknown name: KeyError (the caller says
    which exist). `flags` (the command line's values) still win over the endpoint's."""
    from tui_chat.config.settings import Settings

    result = dataclasses.replace(settings)
    result.sources = dict(settings.sources)
    result.endpoint = name
    result.missing_key_env = None
    defaults = Settings()
    if name == DEFAULT_ENDPOINT and name not in settings.endpoints:
        for key in CONNECTION_FIELDS:
            # Settings made without load_settings have no saved flat connection: their own.
            setattr(result, key, settings.base_connection.get(key, getattr(settings, key)))
            result.sources[key] = settings.base_connection_sources.get(
                key, settings.sources.get(key, "default")
            )
        return result
    endpoint = settings.endpoints[name]
    origin = f"endpoints.{name}"
    values: dict[str, tuple[Any, str]] = {
        "provider": (endpoint.provider, origin),
        "base_url": (endpoint.base_url, origin),
        "azure_endpoint": (endpoint.azure_endpoint, origin),
        "azure_api_version": (endpoint.azure_api_version, origin),
        "azure_deployment": (endpoint.azure_deployment, origin),
        "headers": (dict(endpoint.headers), origin),
    }
    model = endpoint.default_model or endpoint.azure_deployment
    if model is None and endpoint.models:
        model = endpoint.models[0]
    if model:
        values["model"] = (model, origin)
    elif _guesses_a_model(endpoint):
        values["model"] = (defaults.model, "default")
    else:  # gpt-4o-mini on Ollama is a 404 for a model nobody chose
        values["model"] = ("", MODEL_NOT_SET)
    values["legacy_functions"] = (
        (endpoint.legacy_functions, origin) if endpoint.legacy_functions is not None else (False, "default")
    )
    values["timeout"] = (
        (endpoint.timeout, origin)
        if endpoint.timeout is not None
        else (settings.base_connection.get("timeout", defaults.timeout), "default")
    )
    if endpoint.api_key_env:
        api_key: str | None = environ.get(endpoint.api_key_env) or None
        values["api_key"] = (api_key, f"env {endpoint.api_key_env}")
        if api_key is None:
            result.missing_key_env = endpoint.api_key_env
    else:
        values["api_key"] = (endpoint.api_key, f"{origin} (config file)" if endpoint.api_key else "default")
    if endpoint.provider == "azure" and not endpoint.azure_api_version:
        from tui_chat.config.loading import DEFAULT_AZURE_API_VERSION

        values["azure_api_version"] = (DEFAULT_AZURE_API_VERSION, "default")
    for key, (value, source) in values.items():
        setattr(result, key, value)
        result.sources[key] = source
    for key, value in (flags or {}).items():
        if key in CONNECTION_FIELDS:
            setattr(result, key, value)
            result.sources[key] = "command line"
    return result


def _guesses_a_model(endpoint: Endpoint) -> bool:
    """Whether the built-in default model may stand in for one the endpoint does not name:
    only on OpenAI's own API (and Azure, where the deployment names it), where it exists."""
    if endpoint.provider == "azure":
        return True
    if endpoint.base_url is None:
        return True
    return (urlsplit(endpoint.base_url).hostname or "").lower() in _OPENAI_HOSTS


def missing_model_advice(settings: Settings) -> str:
    """Which setting names the model, for a message saying none is chosen."""
    if settings.endpoint in settings.endpoints:
        where = f"under [endpoints.{settings.endpoint}] in {paths.config_file()}"
        return f'set default_model = "NAME" {where} (or models = [...]), or pass --model NAME'
    return f'set model = "NAME" in {paths.config_file()}, or pass --model NAME'


def key_origin(settings: Settings) -> str:
    """Where the active endpoint's key comes from, for `config show` (never the key)."""
    if settings.missing_key_env:
        return f"variable {settings.missing_key_env} (not set)"
    source = settings.sources.get("api_key", "default")
    if source.startswith("env "):
        return f"variable {source[4:]}"
    return source
