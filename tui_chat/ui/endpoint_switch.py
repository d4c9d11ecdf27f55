"""Switching the chat to another endpoint (issue 14): the model picker's choice, or a reopened
session that talks to another endpoint. The engine is rebuilt through `build_engine` with the
endpoint's settings; the tool registry (and so the MCP servers) stays."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from tui_chat.config.endpoints import DEFAULT_ENDPOINT, endpoint_names, with_endpoint
from tui_chat.engine.factory import build_engine
from tui_chat.ui import prompt_flow
from tui_chat.ui.widgets.status_bar import describe_endpoint

if TYPE_CHECKING:
    from tui_chat.engine.conversation import Conversation
    from tui_chat.ui.app import ChatApp


def known_endpoint(app: ChatApp, name: str) -> bool:
    return name == DEFAULT_ENDPOINT or name in app.settings.endpoints


def use_endpoint(app: ChatApp, name: str, model: str | None = None) -> bool:
    """Point the app at endpoint `name` (with `model`, else the endpoint's default model).
    False, with a notice, when it cannot switch now."""
    if app.controller.busy:
        app.notify("Switch the endpoint once the reply has ended.", severity="warning")
        return False
    if not known_endpoint(app, name):
        app.notify(f"No endpoint named {name!r} is configured.", severity="warning")
        return False
    settings = with_endpoint(app.settings, name)
    old = app.controller.engine
    setup = build_engine(settings, registry=app.registry, model=model or settings.model)
    app.settings = settings
    app.controller.engine = setup.engine
    app.controller.not_ready = setup.not_ready
    app.conversation.endpoint = name
    if old is not None and old is not setup.engine and old.has_client:
        app.run_worker(_close(old.client), group="close-client")
    show_endpoint(app)
    if setup.not_ready:
        app.notify(setup.not_ready, title=f"Endpoint {name}", severity="error", timeout=10)
    return True


async def _close(client: Any) -> None:
    with contextlib.suppress(Exception):
        await client.close()


def show_endpoint(app: ChatApp) -> None:
    """The status bar's endpoint: where it points, its name when several are configured, and
    what the engine adapts to there."""
    status = app.status_bar
    settings = app.settings
    status.endpoint = describe_endpoint(settings.provider, settings.base_url, settings.azure_endpoint)
    status.endpoint_name = settings.endpoint if len(endpoint_names(settings)) > 1 else ""
    status.state = "not configured" if app.controller.not_ready else "ready"
    show_adaptations(app)


def show_adaptations(app: ChatApp) -> None:
    engine = app.controller.engine
    app.status_bar.adapted = ", ".join(engine.adaptations) if engine is not None else ""


async def open_on_its_endpoint(app: ChatApp, conversation: Conversation) -> None:
    """Open an existing conversation (the sessions screen calls this), on its endpoint."""
    saved = conversation.endpoint
    if saved is None:
        conversation.endpoint = app.settings.endpoint  # saved before endpoints: goes on here
    await prompt_flow.open_conversation(app, conversation)  # stops a running turn first
    if saved and saved != app.settings.endpoint:
        if known_endpoint(app, saved):
            use_endpoint(app, saved, conversation.model)
        else:
            app.notify(
                f"This session used the endpoint {saved!r}, which is not configured any more: "
                f"going on with {app.settings.endpoint!r}.",
                severity="warning",
            )
            conversation.endpoint = app.settings.endpoint
