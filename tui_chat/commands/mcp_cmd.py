"""`tui-chat mcp list [--json]`: connect to every configured MCP server, print its state and tools.

Exit status: 0 when every enabled server is ready, 1 when one failed, 2 for a usage problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from tui_chat.commands.common import add_connection_options, settings_from_args
from tui_chat.commands.exit_codes import EXIT_API_ERROR, EXIT_OK


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("mcp", help="the MCP tool servers: list their state and tools")
    mcp_sub = parser.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    list_parser = mcp_sub.add_parser("list", help="connect to each configured server and list its tools")
    list_parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON document")
    add_connection_options(list_parser, subcommand=True)
    list_parser.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    servers, problems = asyncio.run(_collect(settings))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.as_json:
        print(json.dumps({"servers": servers, "problems": problems}, indent=2, ensure_ascii=False))
    elif not servers:
        print("No MCP servers configured (see `tui-chat config path` and docs/tools.md).")
    else:
        for server in servers:
            _print_server(server)
    failed = any(s["state"] == "failed" for s in servers)
    return EXIT_API_ERROR if failed else EXIT_OK


async def _collect(settings: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from tui_chat.tools.mcp.manager import McpManager
    from tui_chat.tools.registry import ToolRegistry

    registry = ToolRegistry(default_timeout=settings.tool_timeout)
    manager = McpManager.from_settings(settings, registry)
    if manager is None:
        return [], []
    manager.start()
    try:
        await manager.wait_started()
        servers = []
        for status in manager.statuses():
            listed = {tool.name: tool for tool in manager.mcp_tools(status.name)}
            offered = {mcp_name: name for name, mcp_name in manager.offered(status.name).items()}
            tools = [
                {
                    "name": offered.get(name, name),
                    "mcp_name": name,
                    "offered": name in offered,
                    "description": (tool.description or "").strip().split("\n")[0],
                }
                for name, tool in listed.items()
            ]
            servers.append(
                {
                    "name": status.name,
                    "state": status.state,
                    "summary": status.summary,
                    "transport": status.transport,
                    "target": status.target,
                    "reason": status.reason,
                    "tools": tools,
                    "stderr": list(status.stderr[-5:]),
                }
            )
        return servers, list(manager.warnings)
    finally:
        await manager.close()


def _print_server(server: dict[str, Any]) -> None:
    print(f"{server['name']}: {server['summary']}  [{server['transport']}: {server['target']}]")
    for tool in server["tools"]:
        renamed = f" (MCP name {tool['mcp_name']})" if tool["name"] != tool["mcp_name"] else ""
        hidden = "" if tool["offered"] else " (not offered)"
        description = f" - {tool['description']}" if tool["description"] else ""
        print(f"  {tool['name']}{renamed}{hidden}{description}")
    if server["state"] == "failed":
        for line in server["stderr"]:
            print(f"  stderr: {line}")
