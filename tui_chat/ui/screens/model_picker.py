"""Switch model: the server's /v1/models list (loaded in a worker), filtered as you type; Enter
takes the highlighted model, or the typed name when nothing matches (servers that do not list
their models, Azure deployments)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.widgets.text import clean

ModelLoader = Callable[[], Awaitable[list[str]]]


class ModelPickerScreen(Dialog[str | None]):
    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel", id="model_cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    DEFAULT_CSS = """
    #model-dialog {
        width: 70;
        max-height: 80%;
    }
    #model-list {
        height: auto;
        max-height: 16;
        margin-top: 1;
    }
    #model-note {
        color: $text-muted;
        margin-top: 1;
        height: auto;
    }
    """

    def __init__(self, current: str, loader: ModelLoader) -> None:
        super().__init__()
        self.current = current
        self.loader = loader
        self.models: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="model-dialog", classes="dialog") as dialog:
            dialog.border_title = "Switch model"
            yield Input(placeholder="Type to filter, or a model name", id="model-input")
            yield OptionList(id="model-list")
            yield Static(Content.styled("Loading the server's models…", "italic"), id="model-note")

    def on_mount(self) -> None:
        self.query_one("#model-input", Input).focus()
        self._load()

    @work(exclusive=True, group="models", exit_on_error=False)
    async def _load(self) -> None:
        note = self.query_one("#model-note", Static)
        try:
            self.models = await self.loader()
        except Exception as exc:
            note.update(Content(clean(f"Could not list models ({exc}). Type a model name and press enter.")))
            return
        if self.models:
            note.update(
                Content(
                    f"{len(self.models)} models. Current: {clean(self.current)}. Enter picks; esc cancels."
                )
            )
        else:
            note.update(Content("The server lists no models: type a name and press enter."))
        self._fill(self.query_one("#model-input", Input).value)

    def _fill(self, query: str) -> None:
        options = self.query_one("#model-list", OptionList)
        needle = query.strip().lower()
        matches = [m for m in self.models if needle in m.lower()]
        options.clear_options()
        options.add_options(
            [Option(Content(clean(m) + ("  (current)" if m == self.current else "")), id=m) for m in matches]
        )
        if matches:
            index = matches.index(self.current) if self.current in matches and not needle else 0
            options.highlighted = index

    @on(Input.Changed, "#model-input")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#model-input")
    def _submit(self, event: Input.Submitted) -> None:
        options = self.query_one("#model-list", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected, "#model-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one("#model-list", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
