"""Ask before a tool runs: the tool, what it does, the exact arguments, and three answers.

Dismisses with "once" (allow this call), "always" (allow this tool from now on) or "deny"
(the model gets a refusal). The app awaits it with `push_screen_wait` from its turn worker.
"""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.scalar import Scalar
from textual.events import Resize
from textual.widgets import Button, Static

from tui_chat.engine.conversation import ToolCall
from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.widgets.text import visible_literal
from tui_chat.ui.widgets.tool_format import show_text

Answer = Literal["once", "always", "deny"]


class ConfirmToolScreen(Dialog[str]):
    """Allow once (enter / y), always allow this tool (a), or deny (escape / n)."""

    DEFAULT_CSS = """
    ConfirmToolScreen {
        #confirm-tool-dialog {
            width: 84;
            max-height: 100%;
            border: round $warning;
            border-title-color: $text-warning;
        }
        #confirm-tool-name {
            text-style: bold;
            color: $text-primary;
        }
        #confirm-tool-body {
            height: auto;
            max-height: 24;
            scrollbar-size-vertical: 1;
        }
        #confirm-tool-description {
            color: $text-muted;
        }
        .confirm-tool-label {
            margin-top: 1;
            color: $text-muted;
            text-style: bold;
        }
        #confirm-tool-arguments {
            background: $code-block-background;
            padding: 0 1;
        }
        #confirm-tool-warning {
            color: $text-warning;
            text-style: italic;
        }
        #confirm-tool-buttons {
            height: auto;
            margin-top: 1;
            align-horizontal: right;
            Button { margin-left: 1; }
        }
        &.-narrow {
            #confirm-tool-dialog { padding: 0 1; }
            #confirm-tool-buttons {
                layout: vertical;
                Button { width: 100%; margin: 0; }
            }
        }
    }
    """

    BINDINGS = [
        Binding("enter", "answer('once')", "Allow once", key_display="enter"),
        Binding("y", "answer('once')", "Allow once", show=False),
        Binding("a", "answer('always')", "Always allow"),
        Binding("escape", "answer('deny')", "Deny"),
        Binding("n", "answer('deny')", "Deny", show=False),
        Binding("up", "scroll_body(-1)", "Scroll", show=False),
        Binding("down", "scroll_body(1)", "Scroll", show=False),
        Binding("pageup", "scroll_body(-10)", "Scroll", show=False),
        Binding("pagedown", "scroll_body(10)", "Scroll", show=False),
    ]

    AUTO_FOCUS = "#confirm-tool-once"

    # Narrower than this, the buttons stack.
    NARROW_WIDTH = 64
    MAX_SHOWN_CHARS = 200_000

    def __init__(self, call: ToolCall, *, description: str | None = None, server: str | None = None) -> None:
        super().__init__()
        self.call = call
        self.description = description
        self.server = server  # the MCP server that would run it

    def compose(self) -> ComposeResult:
        arguments = self.call.arguments
        shown = show_text(arguments, max_chars=self.MAX_SHOWN_CHARS) if arguments.strip() else None
        with Vertical(id="confirm-tool-dialog", classes="dialog") as dialog:
            dialog.border_title = "Allow this tool call?"
            name = visible_literal(self.call.name)
            if self.server:
                name = Content.assemble(
                    name, ("  from MCP server ", "$text-muted not bold"), visible_literal(self.server)
                )
            yield Static(name, id="confirm-tool-name")
            # Everything between the name and the buttons scrolls as one, so the buttons always
            # show however long the description or the arguments are.
            with VerticalScroll(id="confirm-tool-body", can_focus=True):
                if self.description and self.description.strip():
                    yield Static(visible_literal(self.description.strip()), id="confirm-tool-description")
                yield Static("Arguments", classes="confirm-tool-label", markup=False)
                yield Static(
                    shown.content if shown else visible_literal("(none)", "$foreground-muted italic"),
                    id="confirm-tool-arguments",
                )
                if shown is not None and not shown.is_json:
                    yield Static(
                        "These arguments are not valid JSON; the tool will probably fail.",
                        id="confirm-tool-warning",
                        markup=False,
                    )
            with Horizontal(id="confirm-tool-buttons"):
                yield Button(_label("Allow once", "enter"), variant="primary", id="confirm-tool-once")
                yield Button(_label("Always allow", "a"), id="confirm-tool-always")
                yield Button(_label("Deny", "esc"), variant="error", id="confirm-tool-deny")

    def on_mount(self) -> None:
        self._fit(self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        narrow = width < self.NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        for button in self.query(Button):
            button.compact = narrow
        self.call_after_refresh(self._fit_height)

    def _fit_height(self) -> None:
        """Give the body what the rest of the dialog leaves, so the buttons always show."""
        dialog = self.query_one("#confirm-tool-dialog", Vertical)
        body = self.query_one("#confirm-tool-body", VerticalScroll)
        rest = dialog.styles.gutter.height
        for child in dialog.children:
            if child is not body and child.display:
                rest += child.outer_size.height + child.styles.margin.height
        available = max(3, self.size.height - rest)
        if body.styles.max_height != Scalar.from_number(available):
            body.styles.max_height = available

    @on(Button.Pressed, "#confirm-tool-once")
    def _once(self) -> None:
        self.dismiss("once")

    @on(Button.Pressed, "#confirm-tool-always")
    def _always(self) -> None:
        self.dismiss("always")

    @on(Button.Pressed, "#confirm-tool-deny")
    def _deny(self) -> None:
        self.dismiss("deny")

    def action_answer(self, answer: Answer) -> None:
        self.dismiss(answer)

    def action_scroll_body(self, lines: int) -> None:
        self.query_one("#confirm-tool-body", VerticalScroll).scroll_relative(y=lines, animate=False)


def _label(text: str, key: str) -> Content:
    return Content.assemble(text, "  ", (key, "dim"))
