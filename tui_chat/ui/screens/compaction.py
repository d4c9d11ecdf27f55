"""Review a compaction summary before it replaces the history on screen: accept (as edited),
or cancel (nothing changes). The summary is made before this opens (ui/context_flow.py)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from tui_chat.ui.screens.dialog import Dialog


class CompactionScreen(Dialog[str | None]):
    BINDINGS = [
        Binding("ctrl+s", "accept", "Accept", id="compaction_accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="compaction_cancel"),
    ]

    DEFAULT_CSS = """
    #compaction { width: 96; }
    #compaction-help { height: auto; color: $text-muted; }
    #compaction-text { height: 14; margin: 1 0; }
    #compaction-buttons { height: auto; align-horizontal: right; }
    #compaction-buttons > Button { margin-left: 2; }
    """

    def __init__(
        self, summary: str, *, summarised: int, kept: int, title: str = "Compact the conversation"
    ) -> None:
        super().__init__()
        self.summary = summary
        self.help = (
            f"The model's summary of the first {summarised} messages. The chat goes on from it and "
            f"the last {kept} messages, on a new branch; the originals are kept. Edit it if you like; "
            "ctrl+s accepts, esc cancels."
        )
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="compaction", classes="dialog") as box:
            box.border_title = self.title_text
            yield Static(self.help, id="compaction-help", markup=False)
            yield TextArea(self.summary, id="compaction-text", soft_wrap=True)
            with Horizontal(id="compaction-buttons"):
                yield Button("Accept", id="accept", variant="primary")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#accept")
    def action_accept(self) -> None:
        text = self.query_one("#compaction-text", TextArea).text.strip()
        self.dismiss(text or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
