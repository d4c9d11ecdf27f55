"""The one entry point the CLI and the app call: Settings in, a ready registry out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tui_chat import paths
from tui_chat.config import Settings, ToolPolicy
from tui_chat.tools.builtin import builtin_tools
from tui_chat.tools.loader import load_user_tools, tool_file_paths
from tui_chat.tools.registry import ToolRegistry
from tui_chat.tools.schema import POLICIES


@dataclass
class ToolSetup:
    registry: ToolRegistry
    problems: list[str] = field(default_factory=list)  # human one-liners to show the user


def build_registry(settings: Settings) -> ToolSetup:
    """Built-ins, then user tool files, then the config's switches and policies on top.

    With tools_enabled off the registry is empty and no user file is imported.
    """
    problems: list[str] = []
    registry = _new_registry(settings, problems)
    if not settings.tools_enabled:
        return ToolSetup(registry, problems)
    for fn in builtin_tools(settings):
        registry.register(fn)
    problems += load_user_tools(registry, tool_file_paths(settings.tools_files))
    # MCP tools arrive later (tools/mcp applies these to them), so names not known yet are fine then.
    lenient = mcp_may_add_tools(settings)
    problems += [p for p in _apply_disabled(registry, settings.disabled_tools) if not lenient]
    problems += [p for p in _apply_policies(registry, settings.tool_policies) if not lenient]
    return ToolSetup(registry, problems)


def mcp_may_add_tools(settings: Settings) -> bool:
    if not settings.mcp_enabled:
        return False
    return bool(settings.mcp_servers or settings.mcp_config_files or paths.mcp_json_file().is_file())


def _new_registry(settings: Settings, problems: list[str]) -> ToolRegistry:
    try:
        return ToolRegistry(default_timeout=settings.tool_timeout, output_limit=settings.tool_output_limit)
    except ValueError as exc:
        registry = ToolRegistry()
        problems.append(
            f"{exc} Using the defaults ({registry.default_timeout:g} s, {registry.output_limit} bytes)."
        )
        return registry


def _apply_disabled(registry: ToolRegistry, names: list[str]) -> list[str]:
    problems = []
    for name in names:
        if registry.get(name) is None:
            problems.append(f"disabled_tools: there is no tool named {name!r}{_known(registry)}.")
        else:
            registry.set_enabled(name, False)
    return problems


def _apply_policies(registry: ToolRegistry, policies: Mapping[str, ToolPolicy]) -> list[str]:
    problems = []
    for name, policy in policies.items():
        if registry.get(name) is None:
            problems.append(f"tool_policies: there is no tool named {name!r}{_known(registry)}.")
        elif policy not in POLICIES:  # the config file is hand-written; trust nothing
            problems.append(
                f"tool_policies: {policy!r} for {name!r} is not a policy; use one of {', '.join(POLICIES)}."
            )
        else:
            registry.set_policy(name, policy)
    return problems


def _known(registry: ToolRegistry) -> str:
    names = registry.names()
    return f" (known tools: {', '.join(names)})" if names else ""
