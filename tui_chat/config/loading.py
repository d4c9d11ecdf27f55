"""Reading the config file and layering: command line > environment > config file > defaults."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui_chat import paths
from tui_chat.config.checks import Invalid, show
from tui_chat.config.endpoints import CONNECTION_FIELDS, choose_endpoint, literal_key_warnings, with_endpoint
from tui_chat.config.errors import ConfigError
from tui_chat.config.settings import CHECKS, FILE_KEYS, FILE_TABLES, Settings
from tui_chat.toml_text import line_of, split_toml_position

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
# A GA Azure OpenAI API version, used when neither the environment nor the file names one.
DEFAULT_AZURE_API_VERSION = "2024-10-21"


def read_config_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The settings a config file sets (field name → checked value) and warnings about keys
    it does not know. A missing file sets nothing. Raises ConfigError for anything broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file: {exc}", origin=path) from None
    return parse_config_text(text, path)


def parse_config_text(text: str, path: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem, line = split_toml_position(str(exc))
        raise ConfigError(f"invalid TOML: {problem}", origin=path, line=line) from None

    values: dict[str, Any] = {}
    warnings: list[str] = []

    def take(table: str | None, key: str, field_name: str, value: Any) -> None:
        try:
            values[field_name] = CHECKS[field_name](value)
        except Invalid as exc:
            dotted = f"{table}.{key}" if table else key
            line = line_of(text, table, key)
            if exc.inner_key is not None:
                inner_table, _, inner = exc.inner_key.rpartition(".")  # "work.timeout": a table's key
                line = line_of(text, f"{dotted}.{inner_table}" if inner_table else dotted, inner) or line
                dotted = f"{dotted}.{exc.inner_key}"
            raise ConfigError(f"{dotted!r} {exc}", origin=path, line=line) from None

    def unknown(table: str | None, key: str) -> None:
        dotted = f"{table}.{key}" if table else key
        line = line_of(text, table, key)
        warnings.append(str(ConfigError(f"unknown setting {dotted!r} ignored", origin=path, line=line)))

    for key, value in data.items():
        if key in FILE_TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{key!r} must be a table, not {show(value)}", origin=path)
            for inner_key, inner_value in value.items():
                if (key, inner_key) in FILE_KEYS:
                    take(key, inner_key, FILE_KEYS[key, inner_key], inner_value)
                else:
                    unknown(key, inner_key)
        elif (key,) in FILE_KEYS:
            take(None, key, FILE_KEYS[key,], value)
        else:
            unknown(None, key)
    warnings += [str(ConfigError(w, origin=path)) for w in literal_key_warnings(values.get("endpoints", {}))]
    return values, warnings


def load_settings(
    cli_overrides: dict[str, Any] | None = None, *, environ: Mapping[str, str] = os.environ
) -> Settings:
    """The effective settings. `cli_overrides` maps Settings field names to command-line
    values (None = not given). Raises ConfigError when the file or a value is broken.

    Provider rule: an explicit provider (command line, then config file) wins; otherwise it is
    "azure" when an Azure endpoint is set (AZURE_OPENAI_ENDPOINT or azure_endpoint in the
    file) and no base URL is set anywhere (--base-url, OPENAI_BASE_URL, base_url); else
    "openai". `--tools-file` adds to the file's [tools] files rather than replacing them, and
    `--mcp-config` to its mcp_config_files.
    """
    path = paths.config_file()
    from_file, warnings = read_config_file(path)
    env = {name: value for name, value in environ.items() if value}  # an empty variable is unset
    overrides = dict(cli_overrides or {})
    endpoint_flag = overrides.pop("endpoint", None)
    flags = _checked_flags(overrides)

    settings = Settings()
    settings.warnings = warnings
    settings.sources = dict.fromkeys(CHECKS, "default")

    def put(name: str, value: Any, source: str) -> None:
        setattr(settings, name, value)
        settings.sources[name] = source

    for name, value in from_file.items():
        put(name, value, "config file")

    provider, provider_source = _detect_provider(flags, from_file, env)
    put("provider", provider, provider_source)

    for name, variables in _env_variables(provider).items():
        for variable in variables:
            if variable in env:
                put(name, env[variable], f"env {variable}")
                break

    for name, value in flags.items():
        if name in ("tools_files", "mcp_config_files"):
            value = [*getattr(settings, name), *value]
        put(name, value, "command line")

    if provider == "azure":
        if settings.sources["model"] == "default" and settings.azure_deployment:
            put("model", settings.azure_deployment, "azure_deployment")
        if not settings.azure_api_version:
            put("azure_api_version", DEFAULT_AZURE_API_VERSION, "default")
    return _apply_endpoint(settings, endpoint_flag, flags, env, path)


def _apply_endpoint(
    settings: Settings, flag: str | None, flags: dict[str, Any], env: Mapping[str, str], path: Path
) -> Settings:
    """Keep the flat connection (the implicit "default" endpoint), then switch to the chosen one."""
    settings.base_connection = {name: getattr(settings, name) for name in CONNECTION_FIELDS}
    settings.base_connection_sources = {name: settings.sources[name] for name in CONNECTION_FIELDS}
    name, source = choose_endpoint(flag, env, settings.default_endpoint)
    if name != "default" and name not in settings.endpoints:
        from tui_chat.config.endpoints import endpoint_names

        known = ", ".join(endpoint_names(settings))
        origin: str | Path = path if source == "config file" else source
        raise ConfigError(f"no endpoint named {name!r} (configured: {known})", origin=origin)
    settings = with_endpoint(settings, name, environ=env, flags=flags)
    settings.sources["endpoint"] = source
    return settings


def _checked_flags(overrides: dict[str, Any]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        try:
            flags[name] = CHECKS[name](value)
        except KeyError:
            raise TypeError(f"not a setting: {name!r}") from None
        except Invalid as exc:
            raise ConfigError(f"{name} {exc}", origin="command line") from None
    return flags


def _detect_provider(
    flags: dict[str, Any], from_file: dict[str, Any], env: Mapping[str, str]
) -> tuple[str, str]:
    if "provider" in flags:
        return flags["provider"], "command line"
    if "provider" in from_file:
        return from_file["provider"], "config file"
    has_endpoint = "AZURE_OPENAI_ENDPOINT" in env or "azure_endpoint" in from_file
    has_base_url = "base_url" in flags or "OPENAI_BASE_URL" in env or "base_url" in from_file
    if has_endpoint and not has_base_url:
        return "azure", "detected: Azure endpoint set"
    return "openai", "default"


def _env_variables(provider: str) -> dict[str, list[str]]:
    """Settings field → environment variables that set it, first one wins."""
    variables = {
        "base_url": ["OPENAI_BASE_URL"],
        "azure_endpoint": ["AZURE_OPENAI_ENDPOINT"],
        "azure_api_version": ["AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"],
        "azure_deployment": ["AZURE_OPENAI_CHAT_DEPLOYMENT"],
    }
    if provider == "azure":
        variables["api_key"] = ["AZURE_OPENAI_API_KEY"]
        variables["system_prompt"] = ["AZURE_OPENAI_SYSTEM_PROMPT"]
    else:
        variables["api_key"] = ["OPENAI_API_KEY"]
    return variables


def mask_secret(secret: str | None) -> str:
    """Enough of a key to tell two apart, never enough to use: "sk-…abcd"."""
    if not secret:
        return "(not set)"
    if len(secret) < 12:
        return "***"
    return f"{secret[:3]}…{secret[-4:]}"
