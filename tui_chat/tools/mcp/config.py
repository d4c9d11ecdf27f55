"""MCP server configuration: the `{"mcpServers": {...}}` files other MCP clients read, and
`[mcp_servers.NAME]` tables in config.toml, checked into `ServerConfig`s.

Sources, later ones replacing a server of the same name: config.toml, then
`<config dir>/mcp.json` (when it exists), then each `--mcp-config FILE` in the order given.
Every problem is one line naming the file, the server and what is wrong; a broken server is
left out and the others still load.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tui_chat import paths
from tui_chat.config import Settings, ToolPolicy, mask_secret

Transport = Literal["stdio", "http"]

# What a stdio server's child inherits from our environment; its own `env` adds to this.
# Never the whole environment: that holds the API keys.
CHILD_ENV_VARIABLES = ("PATH", "HOME", "LANG", "TERM", "USER", "SHELL", "TMPDIR")
DEFAULT_STARTUP_TIMEOUT = 15.0  # seconds to spawn, connect and list tools
_POLICIES = ("ask", "always", "never")
_TRANSPORT_TYPES = {"stdio": "stdio", "http": "http", "streamable-http": "http", "streamableHttp": "http"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ServerConfig:
    name: str
    transport: Transport
    origin: str  # the file it came from, for messages
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    timeout: float | None = None  # per call; None = the tools timeout
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    tools: tuple[str, ...] | None = None  # allow-list; None = every tool
    disabled_tools: tuple[str, ...] = ()
    policy: ToolPolicy = "ask"

    @property
    def target(self) -> str:
        """What it runs or where it connects, for lists and messages."""
        if self.transport == "http":
            return self.url
        return " ".join([self.command, *self.args])

    def offers(self, tool: str) -> bool:
        allowed = self.tools is None or tool in self.tools
        return allowed and tool not in self.disabled_tools


@dataclass
class McpConfig:
    servers: list[ServerConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each, for the user

    @property
    def enabled(self) -> list[ServerConfig]:
        return [server for server in self.servers if server.enabled]


class _Bad(ValueError):
    """One problem with one server entry; the message names the key."""


def load_mcp_config(settings: Settings, *, environ: Mapping[str, str] = os.environ) -> McpConfig:
    """Every configured server, from all sources. With `settings.mcp_enabled` off, none."""
    result = McpConfig()
    if not settings.mcp_enabled:
        return result
    found: dict[str, ServerConfig] = {}

    def add_all(entries: Mapping[str, Any], origin: str) -> None:
        for name, entry in entries.items():
            where = f"{origin}: MCP server {name!r}"
            try:
                found[name] = parse_server(name, entry, origin, environ)
            except _Bad as exc:
                result.problems.append(f"{where}: {exc}")
                continue
            unknown = sorted(set(entry) - _KNOWN_KEYS) if isinstance(entry, dict) else []
            if unknown:  # other clients' keys (autoApprove, ...): the server still loads
                ignored = ", ".join(repr(key) for key in unknown)
                result.problems.append(f"{where}: unknown key {ignored} ignored.")

    add_all(settings.mcp_servers, str(paths.config_file()))
    default_file = paths.mcp_json_file()
    files = [default_file] if default_file.is_file() else []
    files += [Path(p).expanduser() for p in settings.mcp_config_files]
    for path in files:
        entries, problem = read_mcp_json(path)
        if problem:
            result.problems.append(f"{path}: {problem}")
        add_all(entries, str(path))
    result.servers = list(found.values())
    return result


def read_mcp_json(path: Path) -> tuple[dict[str, Any], str]:
    """The server entries of one `{"mcpServers": {...}}` file, or why there are none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, "file not found."
    except (OSError, UnicodeDecodeError) as exc:
        return {}, f"cannot read it: {exc}"
    except json.JSONDecodeError as exc:
        return {}, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
    if not isinstance(data, dict):
        return {}, 'expected a JSON object like {"mcpServers": {...}}.'
    servers = data.get("mcpServers")
    if servers is None:
        return {}, 'no "mcpServers" object in it, nothing loaded.'
    if not isinstance(servers, dict):
        return {}, f'"mcpServers" must be an object, not {_kind(servers)}.'
    return servers, ""


def parse_server(name: str, entry: Any, origin: str, environ: Mapping[str, str]) -> ServerConfig:
    """One checked server entry. Raises _Bad naming the key and the problem."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
        raise _Bad("use 1-40 letters, digits, '_', '-' or '.' in a server name.")
    if not isinstance(entry, dict):
        raise _Bad(f"must be an object (a table), not {_kind(entry)}.")
    entry = _expand({key: value for key, value in entry.items() if key in _KNOWN_KEYS}, environ, "")
    transport = _transport(entry)
    enabled = _get(entry, "enabled", _bool, True)
    if "disabled" in entry:  # the spelling some other clients write
        enabled = enabled and not _get(entry, "disabled", _bool, False)
    common: dict[str, Any] = {
        "name": name,
        "transport": transport,
        "origin": origin,
        "enabled": enabled,
        "timeout": _get(entry, "timeout", _seconds, None),
        "startup_timeout": _get(entry, "startup_timeout", _seconds, DEFAULT_STARTUP_TIMEOUT),
        "tools": _get(entry, "tools", _names, None),
        "disabled_tools": _get(entry, "disabled_tools", _names, ()),
        "policy": _get(entry, "policy", _policy, "ask"),
    }
    if transport == "http":
        _refuse(entry, ("command", "args", "env", "cwd"), 'an HTTP server (with "url")')
        url = _get(entry, "url", _text, "")
        if not url.startswith(("http://", "https://")):
            raise _Bad(f"'url' must start with http:// or https://, not {url!r}.")
        return ServerConfig(url=url, headers=_get(entry, "headers", _text_table, {}), **common)
    _refuse(entry, ("url", "headers"), 'a stdio server (with "command")')
    command = _get(entry, "command", _text, "")
    if not command.strip():
        raise _Bad("'command' must not be empty.")
    return ServerConfig(
        command=command,
        args=tuple(_get(entry, "args", _text_list, [])),
        env=_get(entry, "env", _text_table, {}),
        cwd=_get(entry, "cwd", _text, None),
        **common,
    )


_KNOWN_KEYS = {
    "type",
    "command",
    "args",
    "env",
    "cwd",
    "url",
    "headers",
    "enabled",
    "disabled",
    "timeout",
    "startup_timeout",
    "tools",
    "disabled_tools",
    "policy",
}


def _transport(entry: dict[str, Any]) -> Transport:
    kind = entry.get("type")
    if kind is not None:
        if kind == "sse":
            raise _Bad("'type' \"sse\" (the old HTTP+SSE transport) is not supported; use Streamable HTTP.")
        if kind not in _TRANSPORT_TYPES:
            raise _Bad(f'\'type\' must be "stdio" or "http", not {kind!r}.')
        transport: Transport = "http" if _TRANSPORT_TYPES[kind] == "http" else "stdio"
        if transport == "http" and "url" not in entry:
            raise _Bad("an HTTP server needs a 'url'.")
        if transport == "stdio" and "command" not in entry:
            raise _Bad("a stdio server needs a 'command'.")
        return transport
    if "url" in entry and "command" in entry:
        raise _Bad("give either 'command' (stdio) or 'url' (HTTP), not both.")
    if "url" in entry:
        return "http"
    if "command" in entry:
        return "stdio"
    raise _Bad("needs a 'command' (a stdio server) or a 'url' (a Streamable HTTP server).")


def _refuse(entry: dict[str, Any], keys: tuple[str, ...], what: str) -> None:
    for key in keys:
        if key in entry:
            raise _Bad(f"{key!r} does not apply to {what}.")


def _expand(value: Any, environ: Mapping[str, str], where: str) -> Any:
    """`${VAR}` and `${VAR:-default}` in every string, keys of tables left as they are."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            variable, default = match.group(1), match.group(2)
            found = environ.get(variable)
            if found:
                return found
            if default is not None:
                return default
            place = f" (in {where!r})" if where else ""
            raise _Bad(
                f"environment variable {variable!r} is not set{place}; "
                f"set it or write ${{{variable}:-default}}."
            )

        return _VARIABLE.sub(replace, value)
    if isinstance(value, dict):
        return {
            key: _expand(item, environ, key if not where else f"{where}.{key}") for key, item in value.items()
        }
    if isinstance(value, list):
        return [_expand(item, environ, where) for item in value]
    return value


def _get(entry: dict[str, Any], key: str, check: Callable[[Any], Any], default: Any) -> Any:
    if key not in entry:
        return default
    try:
        return check(entry[key])
    except _Bad as exc:
        raise _Bad(f"{key!r} {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, not {_kind(value)}.")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, not {_kind(value)}.")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _Bad(f"must be a positive number of seconds, not {_kind(value)}.")
    return float(value)


def _text_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _Bad(f"must be a list of strings, not {_kind(value)}.")
    return list(value)


def _names(value: Any) -> tuple[str, ...]:
    return tuple(_text_list(value))


def _text_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise _Bad(f"must be an object of strings, not {_kind(value)}.")
    return dict(value)


def _policy(value: Any) -> ToolPolicy:
    if value not in _POLICIES:
        raise _Bad(f"must be one of {', '.join(_POLICIES)}, not {_kind(value)}.")
    policy: ToolPolicy = value
    return policy


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    kinds = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return kinds.get(type(value), "null" if value is None else type(value).__name__)


def child_environment(server: ServerConfig, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The whole environment a stdio server's process gets: a few basics plus its own `env`."""
    env = {name: environ[name] for name in CHILD_ENV_VARIABLES if environ.get(name)}
    env.update(server.env)
    return env


def masked(values: Mapping[str, str]) -> dict[str, str]:
    """env / headers values as `config show` prints them: never the secret itself."""
    return {key: mask_secret(value) for key, value in values.items()}


def describe_server(server: ServerConfig) -> str:
    """One line for `config show`: what it runs, with every env and header value masked."""
    parts = [f"{server.transport}: {server.target}"]
    if server.env:
        parts.append("env " + ", ".join(f"{k}={v}" for k, v in masked(server.env).items()))
    if server.headers:
        parts.append("headers " + ", ".join(f"{k}: {v}" for k, v in masked(server.headers).items()))
    parts.append(f"policy {server.policy}")
    if not server.enabled:
        parts.append("disabled")
    return "; ".join(parts)
