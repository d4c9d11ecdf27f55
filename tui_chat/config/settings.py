"""The settings model: one schema. Each field says how it is checked and where it sits in the
config file (`setting(...)`); the checks, the file's layout and the list of settings are all
read from these fields, so a new setting is one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, Literal

from tui_chat.config import checks
from tui_chat.config.checks import Check
from tui_chat.config.endpoints import Endpoint, check_endpoints

Provider = Literal["openai", "azure"]
ToolPolicy = Literal["ask", "always", "never"]


def setting(
    default: Any = MISSING,
    *,
    check: Check,
    file_key: tuple[str, ...] | None = None,
    factory: Callable[[], Any] | None = None,
    secret: bool = False,
) -> Any:
    """A setting: its default (or `factory`), its check, and its place in the config file
    (`file_key`, default: a top-level key named like the field). Secrets are kept out of repr."""
    metadata = {"check": check, "file_key": file_key}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata, repr=not secret)
    return field(default=default, metadata=metadata, repr=not secret)


@dataclass
class Settings:
    provider: Provider = setting("openai", check=checks.choice("openai", "azure"))
    model: str = setting("gpt-4o-mini", check=checks.text)
    # Secret: never printed unmasked, never persisted into history.
    api_key: str | None = setting(None, check=checks.text, secret=True)
    base_url: str | None = setting(None, check=checks.text)
    azure_endpoint: str | None = setting(None, check=checks.text)
    azure_api_version: str | None = setting(None, check=checks.text)
    azure_deployment: str | None = setting(None, check=checks.text)
    system_prompt: str | None = setting(None, check=checks.text)
    temperature: float | None = setting(None, check=checks.number(low=0, high=2))
    # Seconds without a byte before a stream counts as stalled (the SDK default is 600 s).
    timeout: float = setting(60.0, check=checks.number(positive=True))
    connect_timeout: float = setting(10.0, check=checks.number(positive=True))
    max_retries: int = setting(2, check=checks.integer(low=0))
    max_tool_rounds: int = setting(10, check=checks.integer(low=1))
    legacy_functions: bool = setting(False, check=checks.flag)
    # The tool settings live in a [tools] table.
    tools_enabled: bool = setting(True, check=checks.flag, file_key=("tools", "enabled"))
    disabled_tools: list[str] = setting(check=checks.text_list, file_key=("tools", "disabled"), factory=list)
    tool_policies: dict[str, ToolPolicy] = setting(
        check=checks.policies, file_key=("tools", "policies"), factory=dict
    )
    tool_timeout: float = setting(30.0, check=checks.number(positive=True), file_key=("tools", "timeout"))
    tool_output_limit: int = setting(
        16 * 1024, check=checks.integer(low=1), file_key=("tools", "output_limit")
    )
    tools_files: list[str] = setting(check=checks.text_list, file_key=("tools", "files"), factory=list)
    weather_base_url: str = setting("https://api.open-meteo.com", check=checks.text)
    geocoding_base_url: str = setting("https://geocoding-api.open-meteo.com", check=checks.text)
    theme: str | None = setting(None, check=checks.text)
    keys: dict[str, str] = setting(check=checks.text_table, factory=dict)
    # MCP servers: the raw [mcp_servers.NAME] tables (tools/mcp/config.py checks each one),
    # extra {"mcpServers": ...} files, and the --no-mcp switch.
    mcp_servers: dict[str, Any] = setting(check=checks.tables, factory=dict)
    mcp_config_files: list[str] = setting(check=checks.text_list, factory=list)
    mcp_enabled: bool = setting(True, check=checks.flag)
    # Named endpoints (config/endpoints.py): the [endpoints.NAME] tables, the one used when
    # neither --endpoint nor TUI_CHAT_ENDPOINT names one, and extra HTTP headers.
    endpoints: dict[str, Endpoint] = setting(check=check_endpoints, factory=dict)
    default_endpoint: str | None = setting(None, check=checks.text)
    headers: dict[str, str] = setting(check=checks.text_table, factory=dict)
    # Per model (glob patterns): [models."gpt-4o*"] context_window, input_per_mtok, output_per_mtok
    # (engine/context_window.py reads them). [context]: compaction.
    models: dict[str, Any] = setting(check=checks.tables, factory=dict)
    compact_keep_turns: int = setting(4, check=checks.integer(low=0), file_key=("context", "keep_turns"))
    # Compact on its own once the context is this full (0.0-1.0); unset: never.
    auto_compact_at: float | None = setting(
        None, check=checks.number(low=0, high=1), file_key=("context", "auto_compact_at")
    )
    # Attachments (issue 12): size limits in bytes, in an [attachments] table.
    attachment_text_limit: int = setting(
        256 * 1024, check=checks.integer(low=1), file_key=("attachments", "text_limit")
    )
    attachment_image_limit: int = setting(
        5 * 1024 * 1024, check=checks.integer(low=1), file_key=("attachments", "image_limit")
    )
    attachment_message_limit: int = setting(
        8 * 1024 * 1024, check=checks.integer(low=1), file_key=("attachments", "message_limit")
    )
    # Filled by load_settings (not settings themselves): where each value came from
    # ("default", "config file", "env OPENAI_API_KEY", "command line", ...) and non-fatal
    # config-file problems to show.
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    warnings: list[str] = field(default_factory=list, repr=False, compare=False)
    # Filled by load_settings too: the endpoint in use, the variable its key should come from
    # when that is unset, and the flat (implicit "default") connection, to switch back to.
    endpoint: str = field(default="default", compare=False)
    missing_key_env: str | None = field(default=None, compare=False)
    base_connection: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    base_connection_sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


def _settings_fields() -> list[Field[Any]]:
    return [f for f in fields(Settings) if "check" in f.metadata]


CHECKS: dict[str, Check] = {f.name: f.metadata["check"] for f in _settings_fields()}
"""Settings field -> its check."""

FILE_KEYS: dict[tuple[str, ...], str] = {
    f.metadata["file_key"] or (f.name,): f.name for f in _settings_fields()
}
"""Where each setting sits in the config file (("tools", "timeout"), ("model",)) -> its field."""

FILE_TABLES: frozenset[str] = frozenset(key[0] for key in FILE_KEYS if len(key) > 1)
"""Config-file tables that hold settings ([tools])."""
