"""`tui-chat config path` and `tui-chat config show`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import Any

from tui_chat import paths
from tui_chat.commands.common import add_connection_options, settings_from_args
from tui_chat.config import Settings, mask_secret

_SECRETS = {"api_key"}
# The servers and the endpoints get their own sections; the rest is filled by loading.
_NOT_SETTINGS = {
    "sources",
    "warnings",
    "mcp_servers",
    "endpoints",
    "missing_key_env",
    "base_connection",
    "base_connection_sources",
}


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("config", help="where the config lives and what is in effect")
    config_sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)

    path_parser = config_sub.add_parser("path", help="print the config file and sessions database paths")
    path_parser.add_argument(
        "which",
        nargs="?",
        choices=["config", "database"],
        help='print just this path, bare (e.g. $EDITOR "$(tui-chat config path config)")',
    )
    path_parser.set_defaults(func=run_path)

    show_parser = config_sub.add_parser(
        "show", help="print the effective settings and where each comes from (secrets masked)"
    )
    add_connection_options(show_parser)
    show_parser.set_defaults(func=run_show)


def run_path(args: argparse.Namespace) -> int:
    if args.which == "config":
        print(paths.config_file())
    elif args.which == "database":
        print(paths.database_file())
    else:
        print(f"config file:       {paths.config_file()}")
        print(f"sessions database: {paths.database_file()}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    config_file = paths.config_file()
    print(f"# config file: {config_file}{'' if config_file.exists() else ' (not created yet)'}")
    for line in describe_settings(settings):
        print(line)
    for line in describe_endpoints(settings):
        print(line)
    for line in describe_mcp_servers(settings):
        print(line)
    return 0


def describe_endpoints(settings: Settings) -> list[str]:
    """Every endpoint: where it points, its key masked and the variable the key comes from."""
    from tui_chat.config.endpoints import endpoint_names, key_origin, with_endpoint

    if not settings.endpoints:
        return []
    rows = []
    for name in endpoint_names(settings):
        endpoint = settings if name == settings.endpoint else with_endpoint(settings, name)
        where = endpoint.azure_endpoint if endpoint.provider == "azure" else endpoint.base_url
        if endpoint.api_key or endpoint.missing_key_env:
            key = f"key {mask_secret(endpoint.api_key)} from {key_origin(endpoint)}"
        else:
            key = "no key"
        in_use = "*" if name == settings.endpoint else " "
        rows.append(
            (f"{in_use} {name}", endpoint.provider, where or "(OpenAI)", f"model {endpoint.model}", key)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["", "endpoints (* in use):"]
    lines += [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + f"  {row[4]}"
        for row in rows
    ]
    return lines


def describe_mcp_servers(settings: Settings) -> list[str]:
    """The configured MCP servers, env and header values masked, and their problems."""
    from tui_chat.tools.mcp.config import describe_server, load_mcp_config

    config = load_mcp_config(settings)
    if not config.servers and not config.problems:
        return []
    lines = ["", "MCP servers:" if config.servers else "MCP servers: (none usable)"]
    lines += [f"  {s.name}  {describe_server(s)}  ({s.origin})" for s in config.servers]
    lines += [f"  problem: {problem}" for problem in config.problems]
    return lines


def describe_settings(settings: Settings) -> list[str]:
    """One aligned line per setting: name, value (secrets masked), and where it came from."""
    rows = []
    for f in fields(Settings):
        if f.name in _NOT_SETTINGS:
            continue
        value = getattr(settings, f.name)
        if f.name in _SECRETS:
            shown = mask_secret(value)
        elif f.name == "headers" and value:  # a header may carry a token: names only, values masked
            shown = ", ".join(f"{name}: {mask_secret(text)}" for name, text in value.items())
        else:
            shown = _format(value)
        rows.append((f.name, shown, settings.sources.get(f.name, "default")))
    name_width = max(len(name) for name, _, _ in rows)
    value_width = min(40, max(len(shown) for _, shown, _ in rows))
    return [f"{name:<{name_width}}  {shown:<{value_width}}  ({source})" for name, shown, source in rows]


def _format(value: Any) -> str:
    if value is None or value == "":  # "": an endpoint's model it does not name
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value and value.strip() == value and "\n" not in value else repr(value)
    if isinstance(value, list | dict) and not value:
        return "(none)"
    return repr(value) if not isinstance(value, int | float) else str(value)
