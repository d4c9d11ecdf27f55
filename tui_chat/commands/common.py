"""Connection options shared by the app (`tui-chat`) and `tui-chat ask`, and turning parsed
arguments into Settings."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from tui_chat.config import Settings, load_settings


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def add_connection_options(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """--model, --base-url, --api-key, --provider, --system, --tools-file, --no-tools, --mcp-config,
    --no-mcp, --timeout, --legacy-functions. Each defaults to None, meaning "not given": environment,
    config file and defaults decide (see config.load_settings).

    On a subcommand's parser the options default to "absent" instead, so that
    `tui-chat --model x ask ...` keeps the --model given before the subcommand."""
    group = parser.add_argument_group("connection")
    if subcommand:
        group.argument_default = argparse.SUPPRESS
    group.add_argument(
        "--endpoint",
        metavar="NAME",
        help="a named [endpoints.NAME] table of the config file (default: default_endpoint)",
    )
    group.add_argument("--model", "-m", help="model name (Azure: defaults to the deployment)")
    group.add_argument(
        "--base-url", metavar="URL", help="an OpenAI-compatible server, e.g. http://localhost:11434/v1"
    )
    group.add_argument(
        "--api-key", metavar="KEY", help="API key (prefer OPENAI_API_KEY: flags show up in `ps`)"
    )
    group.add_argument(
        "--provider", choices=["openai", "azure"], help="default: azure if AZURE_OPENAI_ENDPOINT is set"
    )
    group.add_argument("--system", metavar="PROMPT", dest="system_prompt", help="system prompt")
    group.add_argument(
        "--tools-file",
        metavar="PATH",
        action="append",
        dest="tools_files",
        help="load @tool functions from a Python file (repeatable; adds to the config file's)",
    )
    group.add_argument(
        "--no-tools", dest="tools_enabled", action="store_const", const=False, help="offer the model no tools"
    )
    group.add_argument(
        "--mcp-config",
        metavar="FILE",
        action="append",
        dest="mcp_config_files",
        help='MCP servers from a {"mcpServers": ...} JSON file (repeatable; adds to <config dir>/mcp.json)',
    )
    group.add_argument(
        "--no-mcp", dest="mcp_enabled", action="store_const", const=False, help="start no MCP server this run"
    )
    group.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="read timeout while streaming (default 60)",
    )
    group.add_argument(
        "--legacy-functions",
        action="store_const",
        const=True,
        help="use the old functions/function_call API (older Azure deployments)",
    )


# argparse dest → Settings field; every connection option maps 1:1.
_OVERRIDE_FIELDS = (
    "endpoint",  # not a field: load_settings picks the endpoint with it
    "model",
    "base_url",
    "api_key",
    "provider",
    "system_prompt",
    "tools_files",
    "tools_enabled",
    "timeout",
    "legacy_functions",
    "mcp_config_files",
    "mcp_enabled",
)


def cli_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields the command line sets (options not given are left out)."""
    values = {name: getattr(args, name, None) for name in _OVERRIDE_FIELDS}
    return {name: value for name, value in values.items() if value is not None}


def settings_from_args(args: argparse.Namespace, *, environ: Mapping[str, str] = os.environ) -> Settings:
    """Settings from flags > environment > config file > defaults. Raises ConfigError."""
    return load_settings(cli_overrides(args), environ=environ)
