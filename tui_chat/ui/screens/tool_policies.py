"""Tool policies: every tool with its policy; enter/space cycles ask → always → never, and each
change is applied at once and saved to the config file (through the callback)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.config import ToolPolicy
from tui_chat.tools.registry import ToolRegistry
from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.widgets.text import clean, one_line

NEXT_POLICY: dict[str, ToolPolicy] = {"ask": "always", "always": "never", "never": "ask"}
_POLICY_HELP = {
    "ask": "asks before each call",
    "always": "runs without asking",
    "never": "is refused (the model is told)",
}

PolicyChanged = Callable[[str, ToolPolicy], None]


class ToolPoliciesScreen(Dialog[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="tool_policies_close"),
        Binding("space", "cycle", "Change policy", id="tool_policies_cycle"),
    ]

    DEFAULT_CSS = """
    #policies-dialog {
        width: 90;
    }
    #policies-help {
        color: $text-muted;
        height: auto;
        margin-bottom: 1;
    }
    #policies-list {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, registry: ToolRegistry, on_change: PolicyChanged) -> None:
        super().__init__()
        self.registry = registry
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        with Vertical(id="policies-dialog", classes="dialog") as dialog:
            dialog.border_title = "Tool policies"
            yield Static(
                "enter or space cycles ask → always → never (saved to the config file). esc closes.",
                id="policies-help",
                markup=False,
            )
            yield OptionList(*self._options(), id="policies-list")

    def on_mount(self) -> None:
        self.query_one("#policies-list", OptionList).focus()

    def _options(self) -> list[Option]:
        options = []
        for spec in self.registry.specs():
            policy = spec.policy if spec.enabled else "disabled"
            prompt = Content.assemble(
                (f"{clean(spec.name):<28}", "bold"),
                (
                    f"{policy:<8}",
                    f"$text-{'warning' if policy == 'ask' else 'success' if policy == 'always' else 'error'}",
                ),
                "  ",
                (_POLICY_HELP.get(policy, "turned off in the config file"), "italic"),
                "\n",
                (one_line(spec.description, 80), "dim"),
            )
            options.append(Option(prompt, id=spec.name, disabled=not spec.enabled))
        return options

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._cycle(event.option.id)

    def action_cycle(self) -> None:
        options = self.query_one("#policies-list", OptionList)
        if options.highlighted is not None:
            self._cycle(options.get_option_at_index(options.highlighted).id)

    def _cycle(self, name: str | None) -> None:
        spec = self.registry.get(name or "")
        if spec is None or not spec.enabled:
            return
        policy = NEXT_POLICY[spec.policy]
        self.on_change(spec.name, policy)
        options = self.query_one("#policies-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted

    def action_close(self) -> None:
        self.dismiss(None)
