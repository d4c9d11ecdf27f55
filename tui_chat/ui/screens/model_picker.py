"""Switch model: every endpoint's models (loaded by the engine side, in a worker), grouped by
endpoint when there are several, filtered as you type; Enter takes the highlighted model (and
its endpoint), or the typed name on the current endpoint when nothing matches (servers that do
not list their models, Azure deployments). An endpoint that could not list shows why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.engine.endpoint_models import EndpointModels
from tui_chat.ui.screens.dialog import Dialog
from tui_chat.ui.widgets.text import clean

ModelLoader = Callable[[], Awaitable[list[EndpointModels]]]


@dataclass(frozen=True)
class ModelChoice:
    endpoint: str
    model: str


def _option_id(endpoint: str, model: str) -> str:
    return f"{endpoint}\t{model}"


class ModelPickerScreen(Dialog[ModelChoice | None]):
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

    def __init__(self, current: str, loader: ModelLoader, *, endpoint: str = "default") -> None:
        super().__init__()
        self.current = current
        self.endpoint = endpoint
        self.loader = loader
        self.groups: list[EndpointModels] = []

    @property
    def models(self) -> list[str]:
        return [model for group in self.groups for model in group.models]

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
            self.groups = await self.loader()
        except Exception as exc:
            note.update(Content(clean(f"Could not list models ({exc}). Type a model name and press enter.")))
            return
        problems = [g for g in self.groups if g.problem]
        if self.models:
            where = f" from {len(self.groups)} endpoints" if len(self.groups) > 1 else ""
            note.update(
                Content(
                    f"{len(self.models)} models{where}. Current: {clean(self.current)}. "
                    "Enter picks; esc cancels."
                )
            )
        elif len(self.groups) == 1 and problems:
            problem = problems[0].problem or ""
            note.update(
                Content(clean(f"Could not list models ({problem}). Type a model name and press enter."))
            )
        else:
            note.update(Content("The server lists no models: type a name and press enter."))
        self._fill(self.query_one("#model-input", Input).value)

    def _fill(self, query: str) -> None:
        options = self.query_one("#model-list", OptionList)
        needle = query.strip().lower()
        grouped = len(self.groups) > 1
        items: list[Option] = []
        first_match: int | None = None
        current_index: int | None = None
        for group in self.groups:
            matches = [m for m in group.models if needle in m.lower()]
            if grouped:
                header = Content.styled(clean(group.endpoint), "bold")
                if group.problem:
                    reason = group.problem.split(". ")[0].rstrip(".")  # its first sentence
                    header = Content.assemble(header, (clean(f"  unreachable: {reason}"), "$error"))
                elif not group.models:
                    header = Content.assemble(header, ("  lists no models", "dim"))
                if matches or group.problem or not needle:
                    items.append(Option(header, disabled=True))
            for model in matches:
                is_current = model == self.current and group.endpoint == self.endpoint
                if first_match is None:
                    first_match = len(items)
                if is_current:
                    current_index = len(items)
                label = ("  " if grouped else "") + clean(model) + ("  (current)" if is_current else "")
                items.append(Option(Content(label), id=_option_id(group.endpoint, model)))
        options.clear_options()
        options.add_options(items)
        if first_match is not None:
            options.highlighted = current_index if current_index is not None and not needle else first_match

    @on(Input.Changed, "#model-input")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#model-input")
    def _submit(self, event: Input.Submitted) -> None:
        options = self.query_one("#model-list", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            if option.id is not None:
                self._choose(option.id)
                return
        if event.value.strip():
            self.dismiss(ModelChoice(self.endpoint, event.value.strip()))

    @on(OptionList.OptionSelected, "#model-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._choose(event.option.id)

    def _choose(self, option_id: str) -> None:
        endpoint, _, model = option_id.partition("\t")
        self.dismiss(ModelChoice(endpoint, model))

    def action_move(self, step: int) -> None:
        options = self.query_one("#model-list", OptionList)
        # Endpoint headers are disabled options: step over them.
        index = options.highlighted if options.highlighted is not None else -1
        while 0 <= index + step < options.option_count:
            index += step
            if not options.get_option_at_index(index).disabled:
                options.highlighted = index
                return

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
