"""The app's settings actions: model, system prompt, tool policies (and the tool confirmation
that can set one), the settings screen. Config-file writes go through `config_writes`, off the
event loop; a failed write is reported, and the change holds for this session."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tui_chat.config import ToolPolicy
from tui_chat.config.endpoints import endpoint_names
from tui_chat.engine.conversation import ToolCall
from tui_chat.ui import config_writes
from tui_chat.ui.widgets.status_bar import describe_endpoint

if TYPE_CHECKING:
    from tui_chat.engine.endpoint_models import EndpointModels
    from tui_chat.ui.app import ChatApp
    from tui_chat.ui.screens.settings import SettingsChanges


def save_in_background(app: ChatApp, key_path: tuple[str, ...], value: object, failed: str) -> None:
    """Write `key_path = value` to the config file in the writer thread; on failure notify
    `failed: <why>`."""
    from tui_chat.config import save_setting

    future = config_writes.submit(lambda: save_setting(key_path, value))
    config_writes.report_errors(future, lambda exc: app.notify(f"{failed}: {exc}", severity="warning"))


async def confirm_tool(app: ChatApp, call: ToolCall) -> bool:
    from tui_chat.ui.screens.confirm_tool import ConfirmToolScreen

    app.status_bar.state = "confirm"
    spec = app.registry.get(call.name) if app.registry is not None else None
    # The user decides better knowing what the tool does, in its own words.
    screen = ConfirmToolScreen(
        call, description=spec.description if spec else None, server=spec.server if spec else None
    )
    try:
        answer = await app.push_screen_wait(screen)
    except asyncio.CancelledError:
        # Stopped while asking: take the question away; the engine refuses the call.
        if app.screen is screen:
            screen.dismiss("deny")
        raise
    finally:
        app.status_bar.state = "streaming"
    if answer == "always":
        set_tool_policy(app, call.name, "always")
    return answer in ("once", "always")


def set_tool_policy(app: ChatApp, name: str, policy: ToolPolicy) -> None:
    """Change a tool's policy now and in the config file."""
    if app.registry is not None and app.registry.get(name) is not None:
        app.registry.set_policy(name, policy)
    save_in_background(
        app, ("tools", "policies", name), policy, f"{name}: {policy} for this session only; not saved"
    )


def switch_model(app: ChatApp) -> None:
    from tui_chat.ui.endpoint_switch import use_endpoint
    from tui_chat.ui.screens.model_picker import ModelChoice, ModelPickerScreen

    def chosen(choice: ModelChoice | None) -> None:
        if choice is None:
            return
        if choice.endpoint != app.settings.endpoint:
            if not use_endpoint(app, choice.endpoint, choice.model):
                return
            app.notify(f"Endpoint: {choice.endpoint}, model: {choice.model}", timeout=2)
        else:
            app.notify(f"Model: {choice.model}", timeout=2)
        app.controller.set_model(choice.model)

    async def list_models() -> list[EndpointModels]:
        from tui_chat.engine.endpoint_models import list_endpoint_models

        return await list_endpoint_models(app.settings)

    app.push_screen(ModelPickerScreen(app.current_model, list_models, endpoint=app.settings.endpoint), chosen)


def edit_system_prompt(app: ChatApp) -> None:
    from tui_chat.ui.screens.system_prompt import SystemPromptResult, SystemPromptScreen

    def chosen(result: SystemPromptResult | None) -> None:
        if result is None:
            return
        app.controller.set_system_prompt(result.text)
        if result.make_default:
            app.settings.system_prompt = result.text or None
            save_in_background(app, ("system_prompt",), result.text, "Not saved as the default")
        app.notify("System prompt updated" if result.text else "System prompt removed", timeout=2)

    app.push_screen(SystemPromptScreen(app.conversation.current_system_prompt or ""), chosen)


def edit_tool_policies(app: ChatApp) -> None:
    from tui_chat.ui.screens.tool_policies import ToolPoliciesScreen

    if app.registry is None or not app.registry.names():
        app.notify("No tools are loaded (tools are off, or none are configured).", timeout=4)
        return
    app.push_screen(ToolPoliciesScreen(app.registry, app.set_tool_policy))


def open_settings(app: ChatApp) -> None:
    from tui_chat.ui.screens.settings import SettingsScreen, SettingsValues

    app.theme_setup.finish()  # the theme list shows every theme
    registry = app.registry
    controller = app.controller
    values = SettingsValues(
        model=app.current_model,
        system_prompt=app.settings.system_prompt,
        temperature=controller.temperature if controller.ready else app.settings.temperature,
        theme=app.theme,
        tool_policies={name: registry.policy(name) for name in registry.names()} if registry else {},
    )
    app.push_screen(SettingsScreen(values, on_apply=lambda changes: apply_settings(app, changes)))


def apply_settings(app: ChatApp, changes: SettingsChanges) -> None:
    """The settings screen has saved `changes` to the config file: use them now too."""
    after, changed = changes.after, changes.changed
    if "model" in changed:
        app.settings.model = after.model
        app.controller.set_model(after.model)
    if "system_prompt" in changed:
        app.settings.system_prompt = after.system_prompt
        app.controller.set_system_prompt(after.system_prompt)
    if "temperature" in changed:
        app.settings.temperature = after.temperature
        app.controller.set_temperature(after.temperature)
    if "theme" in changed:
        app.settings.theme = after.theme
    if app.registry is not None:
        for name, policy in changes.changed_policies.items():
            app.registry.set_policy(name, policy)
    app.notify("Settings saved", timeout=2)


def fill_status_bar(app: ChatApp) -> None:
    """What the status bar shows from the start: model, endpoint, tools, readiness, the budget."""
    status = app.status_bar
    status.model = app.current_model
    status.endpoint = describe_endpoint(
        app.settings.provider, app.settings.base_url, app.settings.azure_endpoint
    )
    status.endpoint_name = app.settings.endpoint if len(endpoint_names(app.settings)) > 1 else ""
    status.tools = len(app.registry.openai_tools()) if app.registry and app.settings.tools_enabled else 0
    if app.controller.not_ready:
        status.state = "not configured"
    if (engine := app.controller.engine) is not None:
        status.budget_of, status.prices_of = engine.context_budget, engine.models.prices


def open_mcp_servers(app: ChatApp) -> None:
    from tui_chat.ui.screens.mcp_servers import McpServersScreen

    app.push_screen(McpServersScreen(app.mcp))
