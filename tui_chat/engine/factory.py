"""Settings -> client, tool registry and engine: the one place both the app and `ask` build them.

Cheap: the SDK is not imported here. Without a client given, the client is made on first use
(`providers.check_settings` validates the settings first, without the SDK).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from tui_chat.config import ConfigError, Settings
from tui_chat.config.endpoints import missing_model_advice
from tui_chat.engine.context_window import ModelCatalog
from tui_chat.engine.turn import ChatEngine, TurnOptions
from tui_chat.tools.registry import ToolRegistry


@dataclass
class EngineSetup:
    engine: ChatEngine | None  # None: not configured (`not_ready` says why)
    registry: ToolRegistry | None  # None: tools are off
    problems: list[str] = field(default_factory=list)  # human one-liners (broken tool files, ...)
    not_ready: str = ""


def build_engine(
    settings: Settings, *, client: Any = None, registry: ToolRegistry | None = None, model: str | None = None
) -> EngineSetup:
    """The engine for `settings`. `client` (an SDK client, or a callable making one) and
    `registry` replace what the settings would build; `model` overrides `settings.model` (a
    saved conversation's). Tools are offered when the settings enable them and there is a
    registry; a registry is built only when they are enabled."""
    from tui_chat.engine.providers import check_settings, make_client

    problems: list[str] = []
    not_ready = ""
    if client is None:
        try:
            check_settings(settings)
            client = functools.partial(make_client, settings)  # the SDK's import waits for use
        except ConfigError as exc:
            not_ready = str(exc)
    if registry is None and settings.tools_enabled:
        from tui_chat.tools.setup import build_registry

        setup = build_registry(settings)
        registry = setup.registry
        problems += setup.problems
    engine = None
    if client is not None:
        options = TurnOptions(
            model=model or settings.model,
            temperature=settings.temperature,
            max_tool_rounds=settings.max_tool_rounds,
            legacy_functions=settings.legacy_functions,
            use_tools=settings.tools_enabled and registry is not None,
            model_advice=missing_model_advice(settings),
        )
        engine = ChatEngine(client, registry, options)
        engine.models = ModelCatalog.from_settings(settings)
    return EngineSetup(engine, registry, problems, not_ready)
