"""The message the user sent while a reply was still streaming: shown above the prompt until the
turn ends, then sent. Up in the empty prompt takes it back to edit (or to delete)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.widgets.text import first_line, visible_literal


class QueuedMessage(Static):
    DEFAULT_CSS = """
    QueuedMessage {
        display: none;
        height: 1;  /* one line, cut: the prompt keeps its room on the smallest terminals */
        padding: 0 1;
        color: $text-muted;
        background: $surface;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self.text = ""

    def show(self, text: str) -> None:
        self.text = text
        self.display = bool(text)
        if text:
            self.update(
                Content.assemble(
                    ("▸ Queued: ", "bold $text-accent"),
                    visible_literal(first_line(text, 200)),
                    ("  · sent when this reply ends (↑ in the empty prompt takes it back)", "italic"),
                )
            )

    def take(self) -> str:
        """The queued text, no longer queued."""
        text, self.text = self.text, ""
        self.display = False
        return text
