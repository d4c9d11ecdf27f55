"""Settings: command-line flag > environment > config file (TOML) > defaults.

The `Settings` fields are the contract the rest of the app reads; loading lives below it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
