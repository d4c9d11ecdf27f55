"""Building the SDK client from Settings: OpenAI, any OpenAI-compatible server, or Azure OpenAI.

Retries (429 honouring Retry-After, 5xx, connection errors) are the SDK's own, bounded by
`settings.max_retries`; the read timeout is what turns a stalled stream into an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui_chat import paths
from tui_chat.config import DEFAULT_AZURE_API_VERSION, DEFAULT_OPENAI_BASE_URL, ConfigError, Settings

# Local servers (Ollama, llama.cpp, vLLM, LM Studio) ignore the key, but the SDK insists on one.
PLACEHOLDER_API_KEY = "no-key-needed"
_OPENAI_HOSTS = {"api.openai.com"}

if TYPE_CHECKING:
    import openai


def check_settings(settings: Settings) -> None:
    """Raise ConfigError (exit status 2 territory) when the settings cannot work: no key for
    OpenAI or Azure, no Azure endpoint. Cheap: it does not import the SDK."""
    if settings.missing_key_env and not settings.api_key:
        raise ConfigError(
            f"endpoint {settings.endpoint!r} takes its API key from the variable "
            f"{settings.missing_key_env}, which is not set: export {settings.missing_key_env}=..."
        )
    if settings.provider == "azure":
        if not settings.api_key:
            raise ConfigError(
                'no Azure OpenAI API key: set AZURE_OPENAI_API_KEY, put api_key = "..." in '
                f"{paths.config_file()}, or pass --api-key"
            )
        if not settings.azure_endpoint and not settings.base_url:
            raise ConfigError(
                "Azure OpenAI needs an endpoint: set AZURE_OPENAI_ENDPOINT or put azure_endpoint = "
                f'"https://<resource>.openai.azure.com" in {paths.config_file()}'
            )
    elif not settings.api_key and _is_openai_host(settings.base_url or DEFAULT_OPENAI_BASE_URL):
        raise ConfigError(
            'no OpenAI API key: set OPENAI_API_KEY, put api_key = "..." in '
            f"{paths.config_file()}, or pass --api-key; for a local server such as Ollama "
            "pass --base-url http://localhost:11434/v1 instead"
        )


def make_client(settings: Settings) -> openai.AsyncOpenAI:
    """An async client for `settings`; ConfigError as check_settings says."""
    check_settings(settings)
    import openai  # about a second: only when a client is needed

    timeout = openai.Timeout(settings.timeout, connect=settings.connect_timeout)
    if settings.provider == "azure":
        return _azure_client(settings, timeout)
    base_url = settings.base_url or DEFAULT_OPENAI_BASE_URL
    api_key = settings.api_key or PLACEHOLDER_API_KEY
    # Key and URL are passed explicitly so the SDK never reads OPENAI_* from os.environ itself.
    return openai.AsyncOpenAI(
        api_key=api_key,
        base_url=base_url,
        timeout=timeout,
        max_retries=settings.max_retries,
        default_headers=settings.headers or None,
    )


def _azure_client(settings: Settings, timeout: openai.Timeout) -> openai.AsyncAzureOpenAI:
    import openai

    api_version = settings.azure_api_version or DEFAULT_AZURE_API_VERSION
    if settings.azure_endpoint:
        # The SDK puts /openai/deployments/<deployment> into the URL; the model name stands in
        # for a missing deployment, as it does in the SDK.
        return openai.AsyncAzureOpenAI(
            azure_endpoint=settings.azure_endpoint,
            azure_deployment=settings.azure_deployment or settings.model,
            api_key=settings.api_key,
            api_version=api_version,
            timeout=timeout,
            max_retries=settings.max_retries,
            default_headers=settings.headers or None,
        )
    if settings.base_url:
        # A full base URL (.../openai/deployments/<name>) stands in for endpoint + deployment.
        return openai.AsyncAzureOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key,
            api_version=api_version,
            timeout=timeout,
            max_retries=settings.max_retries,
            default_headers=settings.headers or None,
        )
    raise AssertionError("check_settings lets no Azure settings without an endpoint through")


def _is_openai_host(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    return host in _OPENAI_HOSTS


async def list_models(client: openai.AsyncOpenAI) -> list[str]:
    """Model ids the server offers, sorted (for the UI's model switcher). SDK errors propagate."""
    return sorted([model.id async for model in client.models.list()])
