"""Settings: command-line flag > environment > config file (TOML) > defaults.

The `Settings` fields are the contract the rest of the app reads; loading lives below it.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import tomlkit
import tomlkit.exceptions

from tui_chat import paths

Provider = Literal["openai", "azure"]
ToolPolicy = Literal["ask", "always", "never"]


@dataclass
class Settings:
    provider: Provider = "openai"
    model: str = "gpt-4o-mini"
    # Secret: never printed unmasked, never persisted into history.
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    azure_endpoint: str | None = None
    azure_api_version: str | None = None
    azure_deployment: str | None = None
    system_prompt: str | None = None
    temperature: float | None = None
    # Seconds without a byte before a stream counts as stalled (the SDK default is 600 s).
    timeout: float = 60.0
    connect_timeout: float = 10.0
    max_retries: int = 2
    max_tool_rounds: int = 10
    legacy_functions: bool = False
    tools_enabled: bool = True
    disabled_tools: list[str] = field(default_factory=list)
    tool_policies: dict[str, ToolPolicy] = field(default_factory=dict)
    tool_timeout: float = 30.0
    tool_output_limit: int = 16 * 1024
    tools_files: list[str] = field(default_factory=list)
    weather_base_url: str = "https://api.open-meteo.com"
    geocoding_base_url: str = "https://geocoding-api.open-meteo.com"
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    # MCP servers: the raw [mcp_servers.NAME] tables (tools/mcp/config.py checks each one),
    # extra {"mcpServers": ...} files, and the --no-mcp switch.
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    mcp_config_files: list[str] = field(default_factory=list)
    mcp_enabled: bool = True
    # Filled by load_settings: where each value came from ("default", "config file",
    # "env OPENAI_API_KEY", "command line", ...) and non-fatal config-file problems to show.
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    warnings: list[str] = field(default_factory=list, repr=False, compare=False)


DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
# A GA Azure OpenAI API version, used when neither the environment nor the file names one.
DEFAULT_AZURE_API_VERSION = "2024-10-21"


class ConfigError(Exception):
    """A configuration problem the user must fix. `str()` is one human line naming the file
    (or other origin), the line when known, and the problem."""

    def __init__(self, problem: str, *, origin: str | Path | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.origin = str(origin) if origin is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.origin is None:
            return self.problem
        where = self.origin if self.line is None else f"{self.origin}, line {self.line}"
        return f"{where}: {self.problem}"


# ---------------------------------------------------------------------------------------------
# Value checks: each returns the (possibly normalised) value or raises _Invalid(problem).


class _Invalid(ValueError):
    def __init__(self, problem: str, *, inner_key: str | None = None) -> None:
        super().__init__(problem)
        self.inner_key = inner_key  # the offending key inside a table value, if any


Check = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"must be a string, not {_show(value)}")
    return value


def _choice(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise _Invalid(f"must be one of {', '.join(allowed)}, not {_show(value)}")
        return str(value)

    return check


def _number(*, low: float | None = None, high: float | None = None, positive: bool = False) -> Check:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"must be a number, not {_show(value)}")
        if positive and value <= 0:
            raise _Invalid(f"must be greater than 0, not {value}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise _Invalid(f"must be between {low} and {high}, not {value}")
        return float(value)

    return check


def _integer(*, low: int) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"must be a whole number, not {_show(value)}")
        if value < low:
            raise _Invalid(f"must be at least {low}, not {value}")
        return value

    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"must be true or false, not {_show(value)}")
    return value


def _text_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"must be a list of strings, not {_show(value)}")
    return list(value)


def _text_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _Invalid(f"must be a table of strings, not {_show(value)}")
    return dict(value)


def _policies(value: Any) -> dict[str, str]:
    table = _text_table(value)
    for name, policy in table.items():
        if policy not in ("ask", "always", "never"):
            raise _Invalid(f"must be one of ask, always, never, not {policy!r}", inner_key=name)
    return table


def _tables(value: Any) -> dict[str, Any]:
    # Only the shape: each server's keys are checked (and reported one by one) by tools/mcp.
    if not isinstance(value, dict):
        raise _Invalid(f"must be a table of [mcp_servers.NAME] tables, not {_show(value)}")
    for name, table in value.items():
        if not isinstance(table, dict):
            raise _Invalid(f"must be a table, not {_show(table)}", inner_key=name)
    return dict(value)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    kinds = {bool: "a boolean", int: "an integer", float: "a number", list: "a list", dict: "a table"}
    return kinds.get(type(value), type(value).__name__)


_CHECKS: dict[str, Check] = {
    "provider": _choice("openai", "azure"),
    "model": _text,
    "api_key": _text,
    "base_url": _text,
    "azure_endpoint": _text,
    "azure_api_version": _text,
    "azure_deployment": _text,
    "system_prompt": _text,
    "temperature": _number(low=0, high=2),
    "timeout": _number(positive=True),
    "connect_timeout": _number(positive=True),
    "max_retries": _integer(low=0),
    "max_tool_rounds": _integer(low=1),
    "legacy_functions": _flag,
    "tools_enabled": _flag,
    "disabled_tools": _text_list,
    "tool_policies": _policies,
    "tool_timeout": _number(positive=True),
    "tool_output_limit": _integer(low=1),
    "tools_files": _text_list,
    "weather_base_url": _text,
    "geocoding_base_url": _text,
    "theme": _text,
    "keys": _text_table,
    "mcp_servers": _tables,
    "mcp_config_files": _text_list,
    "mcp_enabled": _flag,
}

# Config-file layout → Settings field: the tool settings live in a [tools] table, the rest
# are top-level keys named like the field.
_TOOLS_TABLE_KEYS = {
    "enabled": "tools_enabled",
    "disabled": "disabled_tools",
    "timeout": "tool_timeout",
    "output_limit": "tool_output_limit",
    "files": "tools_files",
    "policies": "tool_policies",
}
_TOP_LEVEL_KEYS = {name: name for name in _CHECKS if name not in _TOOLS_TABLE_KEYS.values()}


# ---------------------------------------------------------------------------------------------
# Reading the file.


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
        problem, line = _split_toml_position(str(exc))
        raise ConfigError(f"invalid TOML: {problem}", origin=path, line=line) from None

    values: dict[str, Any] = {}
    warnings: list[str] = []

    def take(table: str | None, key: str, field_name: str, value: Any) -> None:
        try:
            values[field_name] = _CHECKS[field_name](value)
        except _Invalid as exc:
            dotted = f"{table}.{key}" if table else key
            line = _line_of(text, table, key)
            if exc.inner_key is not None:
                line = _line_of(text, dotted, exc.inner_key) or line
                dotted = f"{dotted}.{exc.inner_key}"
            raise ConfigError(f"{dotted!r} {exc}", origin=path, line=line) from None

    def unknown(table: str | None, key: str) -> None:
        dotted = f"{table}.{key}" if table else key
        line = _line_of(text, table, key)
        warnings.append(str(ConfigError(f"unknown setting {dotted!r} ignored", origin=path, line=line)))

    for key, value in data.items():
        if key == "tools":
            if not isinstance(value, dict):
                raise ConfigError(f"'tools' must be a table, not {_show(value)}", origin=path)
            for tool_key, tool_value in value.items():
                if tool_key in _TOOLS_TABLE_KEYS:
                    take("tools", tool_key, _TOOLS_TABLE_KEYS[tool_key], tool_value)
                else:
                    unknown("tools", tool_key)
        elif key in _TOP_LEVEL_KEYS:
            take(None, key, _TOP_LEVEL_KEYS[key], value)
        else:
            unknown(None, key)
    return values, warnings


def _split_toml_position(message: str) -> tuple[str, int | None]:
    # tomllib (3.11) only puts the position in the message: "Invalid value (at line 2, column 5)".
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if not match:
        return message, None
    return f"{message[: match.start()]} (column {match.group(2)})", int(match.group(1))


def _line_of(text: str, table: str | None, key: str) -> int | None:
    """The 1-based line where `key = ...` sits inside `[table]` (None: top level), if simple
    enough to find; tomllib does not report positions of valid values."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = ".".join(part.strip().strip("\"'") for part in header.group(1).split("."))
            continue
        if current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return None


# ---------------------------------------------------------------------------------------------
# Layering: defaults < file < environment < command line.


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
    flags = _checked_flags(cli_overrides or {})

    settings = Settings()
    settings.warnings = warnings
    settings.sources = {f.name: "default" for f in fields(Settings) if f.name in _CHECKS}

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
    return settings


def _checked_flags(overrides: dict[str, Any]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        try:
            flags[name] = _CHECKS[name](value)
        except KeyError:
            raise TypeError(f"not a setting: {name!r}") from None
        except _Invalid as exc:
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


# ---------------------------------------------------------------------------------------------
# Writing one setting back (the UI's "always allow this tool", theme choice).


def save_setting(key_path: str | Sequence[str], value: Any, *, path: Path | None = None) -> Path:
    """Set one value in the config file, keeping the user's comments and layout. `key_path`
    is dotted ("theme", "tools.policies.get_current_weather") or a sequence of keys. The
    result must still be a valid config, or nothing is written (ConfigError). The file is
    replaced atomically and stays private (0600 in a 0700 directory)."""
    keys = _key_list(key_path)

    def set_value(document: Any) -> bool:
        container = document
        for key in keys[:-1]:
            if key not in container:
                container[key] = tomlkit.table()
            container = container[key]
            if not isinstance(container, dict):
                raise ConfigError(f"{key!r} is not a table, cannot set {'.'.join(keys)!r}", origin=path)
        container[keys[-1]] = value
        return True

    return _edit_config(path or paths.config_file(), set_value)


def remove_setting(key_path: str | Sequence[str], *, path: Path | None = None) -> Path:
    """Remove one key from the config file (back to its default), keeping everything else.
    Nothing is written when the key is not there."""
    keys = _key_list(key_path)

    def delete_value(document: Any) -> bool:
        container = document
        for key in keys[:-1]:
            if not isinstance(container, dict) or key not in container:
                return False
            container = container[key]
        if not isinstance(container, dict) or keys[-1] not in container:
            return False
        del container[keys[-1]]
        return True

    return _edit_config(path or paths.config_file(), delete_value)


def _key_list(key_path: str | Sequence[str]) -> list[str]:
    keys = key_path.split(".") if isinstance(key_path, str) else list(key_path)
    if not keys or not all(keys):
        raise ValueError(f"bad key path: {key_path!r}")
    return keys


def _edit_config(path: Path, change: Callable[[Any], bool]) -> Path:
    """Parse the file with tomlkit (keeps comments), apply `change`, and write it back only if
    it changed something and the result still loads."""
    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    try:
        document = tomlkit.parse(old_text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"invalid TOML, not changing it: {exc}", origin=path) from None
    if not change(document):
        return path
    new_text = tomlkit.dumps(document)
    parse_config_text(new_text, path)  # refuse to write a file we could not load
    _write_private(path, new_text)
    return path


def _write_private(path: Path, text: str) -> None:
    paths.ensure_private_dir(path.parent)
    # mkstemp creates the file 0600 in the same directory, so os.replace is atomic.
    fd, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    os.chmod(path, 0o600)
