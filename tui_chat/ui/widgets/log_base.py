"""What the chat log does as a scrolling list of messages, apart from which messages it shows:
following the bottom while text streams (with a "new text below" marker when the user scrolled
up), selecting a message, moving between messages with the keys, copying the selected one."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.events import Click
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.ui.widgets.messages import ErrorMessage, MessageView
from tui_chat.ui.widgets.text import code_blocks


class NewTextBelow(Static):
    """Shown at the bottom of the log while new text arrives below a user who scrolled up;
    a click goes back to the bottom and follows again (so does End in the log)."""

    DEFAULT_CSS = """
    NewTextBelow {
        dock: bottom;
        width: auto;
        height: 1;
        padding: 0 1;
        margin: 0 0 0 2;
        background: $accent;
        color: $background;
        text-style: bold;
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__("↓ new text below (end)", classes="new-text-below", markup=False)

    def on_click(self, event: Click) -> None:
        event.stop()
        log = self.parent
        if isinstance(log, FollowingLog):
            log.follow()


class FollowingLog(VerticalScroll):
    """The base of `ChatLog`: it mounts `MessageView` / `ErrorMessage` children and loads older
    ones on demand (`has_older` / `load_older`)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.selected: Widget | None = None
        self.new_text_below = NewTextBelow()
        self._unseen = False  # text arrived while the user was not following
        self._views: dict[str, MessageView] = {}  # message id -> its mounted view
        # Keeping a view in place while widgets are mounted above it (loading older messages):
        # the view and its distance from the top of the viewport, applied in every layout
        # until the user scrolls or follows again.
        self._pinned: tuple[Widget, int] | None = None
        self._last_arrangement: DockArrangeResult | None = None  # where `arrange` placed each child

    def _views_removed(self) -> None:
        """Views were unmounted (and dropped from `_views`)."""

    def has_older(self) -> bool:
        """Whether older messages can be loaded above the first one shown."""
        return False

    async def load_older(self) -> int:
        """Mount older messages above the first one shown; how many."""
        return 0

    # --- keeping the view in place -------------------------------------------------------------
    # Mounting widgets above the viewport would push what the user reads down. The scroll
    # position is corrected in the layout itself (as Textual's anchor does for the bottom), so
    # no frame shows the jump and no correction is queued: a correction run after a refresh
    # could measure before the layout grew, or land after a send jumped to the bottom.

    def pin(self, widget: Widget) -> None:
        """Keep `widget` where it is on screen through the layouts to come (until a scroll)."""
        top = self._placed_y(widget)
        self._pinned = None if top is None else (widget, top - round(self.scroll_y))

    def _placed_y(self, widget: Widget) -> int | None:
        arrangement = self._last_arrangement
        if arrangement is None:
            return None
        for placement in arrangement.placements:
            if placement.widget is widget:
                return placement.region.y
        return None

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        arrangement = super().arrange(size, optimal)
        self._last_arrangement = arrangement
        if self._pinned is not None:
            widget, offset = self._pinned
            top = self._placed_y(widget)
            if top is None or (self.is_anchored and not self._anchor_released):
                self._pinned = None  # gone, or following the bottom (the anchor places it)
            else:
                y = max(0, top - offset)
                self.set_reactive(VerticalScroll.scroll_y, y)
                self.set_reactive(VerticalScroll.scroll_target_y, y)
                self.vertical_scrollbar.set_reactive(ScrollBar.position, y)
        return arrangement

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._pinned = None  # the user (or a key) scrolled: nothing to keep any more

    # --- following the stream ----------------------------------------------------------------
    # Textual's anchor keeps the log at the bottom as content grows; scrolling releases it and
    # reaching the bottom again restores it. Keys that move up release it here explicitly.

    @property
    def following(self) -> bool:
        return self.is_anchored and not self._anchor_released

    def unfollow(self) -> None:
        if self.following:
            self.release_anchor()

    def follow(self) -> None:
        """Back to the bottom, following new text again."""
        self.scroll_end(animate=False, immediate=True)
        self.anchor()
        self._update_marker()

    def _update_marker(self) -> None:
        if self.following:
            self._unseen = False
        self.new_text_below.display = self._unseen and not self.following

    def action_page_up(self) -> None:
        self.unfollow()
        super().action_page_up()

    def action_scroll_up(self) -> None:
        self.unfollow()
        super().action_scroll_up()

    def action_scroll_home(self) -> None:
        self.unfollow()
        super().action_scroll_home()

    # --- selection and keyboard navigation ----------------------------------------------------

    def _selectable(self) -> list[Widget]:
        return [c for c in self.children if isinstance(c, MessageView | ErrorMessage) and c.display]

    def _set_selected(self, widget: Widget | None) -> None:
        if self.selected is not None and self.selected is not widget:
            self.selected.remove_class("-selected")
        self.selected = widget
        if widget is not None:
            widget.add_class("-selected")

    def select(self, widget: Widget | None, *, scroll: bool = True) -> None:
        self._set_selected(widget)
        self.app.refresh_bindings()  # the keys for the selected message (versions, edit, ...)
        if widget is not None and scroll:
            self.scroll_to_widget(widget, animate=False, top=widget.outer_size.height > self.size.height)

    def on_focus(self) -> None:
        if self.selected is None:
            items = self._selectable()
            if items:
                self.select(items[-1], scroll=False)  # the view stays where it is (following)

    def on_message_view_selected(self, message: MessageView.Selected) -> None:
        if message.view in self._views.values():  # not one a branch switch just unmounted
            self.select(message.view, scroll=False)

    def _step(self, delta: int) -> None:
        items = self._selectable()
        if not items:
            return
        if self.selected not in items:
            self.select(items[-1])
            return
        index = items.index(self.selected) + delta
        if index < 0:
            if self.has_older():
                self.run_worker(self._load_then_step(), group="load-older")
            return
        self.select(items[min(index, len(items) - 1)])

    async def _load_then_step(self) -> None:
        if await self.load_older():
            self.call_after_refresh(self._step, -1)

    def action_prev_message(self) -> None:
        self.unfollow()
        self._step(-1)

    def action_next_message(self) -> None:
        self._step(+1)

    def action_first_message(self) -> None:
        self.unfollow()
        items = self._selectable()
        if self.has_older():
            self.run_worker(self.load_older(), group="load-older")
        if items:
            self.select(items[0])
        self.scroll_home(animate=False)

    def action_last_message(self) -> None:
        items = self._selectable()
        if items:
            self.select(items[-1], scroll=False)
        self.follow()

    def action_copy_message(self) -> None:
        widget = self.selected
        if widget is None:
            return
        text = getattr(widget, "copy_text", "")
        if text:
            self.app.copy_to_clipboard(text)
            self.app.notify(f"Copied {len(text)} characters", timeout=2)

    def action_copy_code(self) -> None:
        widget = self.selected
        if not isinstance(widget, MessageView):
            return
        blocks = code_blocks(widget.message.content or "")
        if not blocks:
            self.app.notify("No code block in this message", severity="warning", timeout=2)
            return
        index = widget.code_index + 1
        if index >= len(blocks):
            index = 0
        widget.code_index = index  # pressing again copies the next block
        language, code = blocks[index]
        self.app.copy_to_clipboard(code)
        label = f" ({language})" if language else ""
        self.app.notify(f"Copied code block {index + 1}/{len(blocks)}{label}", timeout=2)
