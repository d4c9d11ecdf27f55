"""The settings screen: model, system prompt, temperature, theme and tool policies, edited
without opening the config file. Saving writes each changed value with
`config.save_setting` (the user's comments and layout survive).

It knows nothing of the app: it gets the current values, returns (dismisses with) the changes,
and calls `on_apply(changes)` after they are saved so the app can use them at once. Picking a
theme previews it; Cancel restores the previous one.

Integration (the app):

    from tui_chat.ui.screens.settings import SettingsScreen, SettingsValues

    def action_settings(self) -> None:
        values = SettingsValues(model=..., system_prompt=..., temperature=..., theme=self.theme,
                                tool_policies={name: policy for every tool})
        self.push_screen(SettingsScreen(values, on_apply=self.apply_settings))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui_chat import config
from tui_chat.config import ToolPolicy
from tui_chat.ui import config_writes
from tui_chat.ui.screens.dialog import Dialog

POLICIES: tuple[ToolPolicy, ...] = ("ask", "always", "never")
POLICY_LABELS: dict[ToolPolicy, str] = {
    "ask": "ask each time",
    "always": "always allow",
    "never": "never allow",
}


@dataclass(frozen=True)
class SettingsValues:
    """What the screen edits. `tool_policies` lists every tool the user can set a policy for."""

    model: str
    system_prompt: str | None = None
    temperature: float | None = None
    theme: str = ""
    tool_policies: Mapping[str, ToolPolicy] = field(default_factory=dict)


@dataclass(frozen=True)
class SettingsChanges:
    """The values before and after; `changed` names the fields that differ."""

    before: SettingsValues
    after: SettingsValues

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(
            f.name
            for f in fields(SettingsValues)
            if getattr(self.before, f.name) != getattr(self.after, f.name)
        )

    @property
    def changed_policies(self) -> dict[str, ToolPolicy]:
        return {
            name: policy
            for name, policy in self.after.tool_policies.items()
            if self.before.tool_policies.get(name) != policy
        }

    def __bool__(self) -> bool:
        return bool(self.changed)


SaveSetting = Callable[[tuple[str, ...], Any], None]
"""Write one value (None: remove the key) at a key path in the config file."""


def save_to_config(key_path: tuple[str, ...], value: Any) -> None:
    """The default `SaveSetting`: `config.save_setting`, or removing the key for None."""
    if value is None:
        config.remove_setting(key_path)
    else:
        config.save_setting(key_path, value)


def settings_writes(changes: SettingsChanges) -> list[tuple[tuple[str, ...], Any]]:
    """The config-file writes that `changes` needs, as (key path, value or None to remove)."""
    after = changes.after
    writes: list[tuple[tuple[str, ...], Any]] = []
    changed = changes.changed
    if "model" in changed:
        writes.append((("model",), after.model))
    if "system_prompt" in changed:
        writes.append((("system_prompt",), after.system_prompt or None))
    if "temperature" in changed:
        writes.append((("temperature",), after.temperature))
    if "theme" in changed:
        writes.append((("theme",), after.theme))
    for name, policy in changes.changed_policies.items():
        writes.append((("tools", "policies", name), policy))
    return writes


class InvalidSetting(ValueError):
    def __init__(self, widget_id: str, problem: str) -> None:
        self.widget_id = widget_id
        super().__init__(problem)


def parse_temperature(text: str) -> float | None:
    """ "" → None (the model's default); otherwise a number from 0 to 2."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidSetting("temperature", f"Temperature must be a number, not {text!r}") from None
    if not math.isfinite(value) or not 0 <= value <= 2:
        raise InvalidSetting("temperature", "Temperature must be between 0 and 2")
    return value


def _policy_id(index: int) -> str:
    return f"policy-{index}"


class SettingsScreen(Dialog[SettingsChanges | None]):
    """Edit settings; dismisses with the saved SettingsChanges, or None when cancelled."""

    DEFAULT_CSS = """
    SettingsScreen #settings-dialog {
        width: 84;
        max-height: 100%;
        border-subtitle-color: $text-muted;
        padding: 0 1;
    }
    SettingsScreen #settings-body {
        height: auto;
        max-height: 1fr;
    }
    SettingsScreen .settings-grid {
        grid-size: 2;
        grid-columns: 16 1fr;
        grid-rows: auto;
        grid-gutter: 0 1;
        height: auto;
    }
    SettingsScreen .settings-grid Label {
        padding: 1 0 0 0;
        color: $text;
    }
    SettingsScreen .section {
        margin: 1 0 0 0;
        color: $text-primary;
        text-style: bold;
    }
    SettingsScreen .hint {
        color: $text-muted;
        padding: 1 0 0 1;
        width: 1fr;
    }
    SettingsScreen #temperature-row {
        height: auto;
    }
    SettingsScreen #system-prompt {
        height: 6;
    }
    SettingsScreen #temperature {
        width: 16;
    }
    SettingsScreen .policy-row {
        height: auto;
    }
    SettingsScreen .policy-row Label {
        width: 1fr;
        padding: 1 0 0 1;
    }
    SettingsScreen .policy-row Select {
        width: 24;
    }
    SettingsScreen #no-tools {
        color: $text-muted;
        padding: 0 1;
    }
    SettingsScreen #settings-error {
        color: $text-error;
        height: auto;
        display: none;
    }
    SettingsScreen #settings-error.-visible {
        display: block;
    }
    SettingsScreen #settings-buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    SettingsScreen #settings-buttons Button {
        margin: 0 0 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="settings_cancel"),
        Binding("ctrl+s", "save", "Save", id="settings_save", priority=True),
    ]

    def __init__(
        self,
        values: SettingsValues,
        *,
        themes: Sequence[str] | None = None,
        models: Sequence[str] = (),
        on_apply: Callable[[SettingsChanges], None] | None = None,
        save: SaveSetting = save_to_config,
    ) -> None:
        super().__init__()
        self.values = values
        self._themes = themes
        self._models = list(models)
        self._on_apply = on_apply
        self._save = save
        self._tools = sorted(values.tool_policies)
        self._original_theme: str | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        values = self.values
        theme_names = sorted(self._themes if self._themes is not None else self.app.available_themes)
        if values.theme and values.theme not in theme_names:
            theme_names.insert(0, values.theme)
        with Vertical(id="settings-dialog", classes="dialog") as dialog:
            dialog.border_title = "Settings"
            dialog.border_subtitle = "ctrl+s save · esc cancel"
            with VerticalScroll(id="settings-body"):
                with Grid(classes="settings-grid"):
                    yield Label("Model")
                    yield Input(
                        values.model,
                        id="model",
                        placeholder="e.g. gpt-4o-mini",
                        suggester=SuggestFromList(self._models, case_sensitive=False)
                        if self._models
                        else None,
                    )
                    yield Label("Temperature")
                    with Horizontal(id="temperature-row"):
                        yield Input(
                            "" if values.temperature is None else f"{values.temperature:g}",
                            id="temperature",
                            placeholder="default",
                        )
                        yield Static("0 to 2; empty: the model's default", classes="hint")
                    yield Label("Theme")
                    yield Select(
                        [(name, name) for name in theme_names],
                        value=values.theme if values.theme else Select.NULL,
                        allow_blank=not values.theme,
                        id="theme",
                    )
                yield Static("System prompt", classes="section")
                yield TextArea(values.system_prompt or "", id="system-prompt", soft_wrap=True)
                yield Static("Tool policies", classes="section")
                if not self._tools:
                    yield Static("No tools are available.", id="no-tools")
                for index, name in enumerate(self._tools):
                    with Horizontal(classes="policy-row"):
                        yield Label(name)
                        yield Select(
                            [(POLICY_LABELS[p], p) for p in POLICIES],
                            value=values.tool_policies[name],
                            allow_blank=False,
                            id=_policy_id(index),
                        )
            yield Static("", id="settings-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self._original_theme = self.app.theme
        self.query_one("#model", Input).focus()

    # -- live theme preview ------------------------------------------------------------------

    @on(Select.Changed, "#theme")
    def _preview_theme(self, event: Select.Changed) -> None:
        name = event.value
        if isinstance(name, str) and name in self.app.available_themes and self.app.theme != name:
            self.app.theme = name

    def _restore_theme(self) -> None:
        original = self._original_theme
        if original is not None and self.app.theme != original and original in self.app.available_themes:
            self.app.theme = original

    # -- reading the form --------------------------------------------------------------------

    def current_values(self) -> SettingsValues:
        """The form's values; InvalidSetting when one cannot be used."""
        model = self.query_one("#model", Input).value.strip()
        if not model:
            raise InvalidSetting("model", "The model cannot be empty")
        temperature = parse_temperature(self.query_one("#temperature", Input).value)
        theme_value = self.query_one("#theme", Select).value
        theme = theme_value if isinstance(theme_value, str) else self.values.theme
        prompt_text = self.query_one("#system-prompt", TextArea).text
        system_prompt = prompt_text if prompt_text.strip() else None
        if system_prompt is None and not self.values.system_prompt:
            system_prompt = self.values.system_prompt  # unchanged: None and "" are both "no prompt"
        policies = dict(self.values.tool_policies)
        for index, name in enumerate(self._tools):
            value = self.query_one(f"#{_policy_id(index)}", Select).value
            if value in POLICIES:
                policies[name] = cast(ToolPolicy, value)
        return replace(
            self.values,
            model=model,
            temperature=temperature,
            theme=theme,
            system_prompt=system_prompt,
            tool_policies=policies,
        )

    def _show_error(self, message: str) -> None:
        error = self.query_one("#settings-error", Static)
        error.update(message)
        error.set_class(bool(message), "-visible")

    # -- actions -----------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    async def action_save(self) -> None:
        try:
            after = self.current_values()
        except InvalidSetting as exc:
            self._show_error(str(exc))
            self.query_one(f"#{exc.widget_id}").focus()
            return
        changes = SettingsChanges(self.values, after)
        writes = settings_writes(changes)
        save = self._save

        def write_all() -> None:
            for key_path, value in writes:
                save(key_path, value)

        try:
            # Each write fsyncs: in the config writer's thread, in order, off the event loop.
            await config_writes.run(write_all)
        except (config.ConfigError, OSError, ValueError) as exc:
            self._show_error(f"Not saved: {exc}")
            return
        if changes and self._on_apply is not None:
            self._on_apply(changes)
        self.dismiss(changes if changes else None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self._restore_theme()
        self.dismiss(None)
