"""A `Collapsible` one level flatter, whose body is built when it is first unfolded.

Textual's `Collapsible` puts its children in a `Contents` container: a card's result was four
widgets in three levels of composition, and each level costs the screen a layout when a long
session's sidebar is built. A `Fold` is its title and, once unfolded, its body (one widget,
made by `make_body` on first need), both its own children. It is still a `Collapsible`: the
same title widget, `collapsed`, `title`, messages and key binding.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Collapsible


class Fold(Collapsible):
    DEFAULT_CSS = """
    Fold {
        & > .fold-body { width: 1fr; height: auto; }
        &.-collapsed > .fold-body { display: none; }
    }
    """

    def __init__(
        self, make_body: Callable[[], Widget], *, title: str, collapsed: bool, classes: str | None = None
    ) -> None:
        self._make_body = make_body
        self._body: Widget | None = None
        self._composed = False
        super().__init__(title=title, collapsed=collapsed, classes=classes)

    @property
    def body(self) -> Widget | None:
        """The body, or None while it was never unfolded."""
        return self._body

    def _build_body(self) -> Widget:
        if self._body is None:
            self._body = self._make_body()
            self._body.add_class("fold-body")
        return self._body

    def compose(self) -> ComposeResult:
        self._composed = True
        yield self._title
        if not self.collapsed:
            yield self._build_body()

    def _watch_collapsed(self, collapsed: bool) -> None:
        if not collapsed and self._body is None and self._composed:
            self.mount(self._build_body())
        super()._watch_collapsed(collapsed)
