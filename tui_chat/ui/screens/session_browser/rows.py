"""The session list's rows (a `Visual`: title, time, message count, a search snippet with
its matches highlighted) and the key routing between the list and the search box."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.binding import Binding
from textual.content import Content
from textual.css.styles import RulesMap
from textual.events import Key
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Input, OptionList

from tui_chat.store import SearchHit
from tui_chat.ui.widgets.text import visible_literal, visible_text

MATCH_STYLE = "bold $text-accent on $accent-muted"
UNTITLED = "(untitled)"


@dataclass(frozen=True, slots=True)
class Entry:
    """One row: a session, and the search hit that brought it up (if searching)."""

    session_id: str
    title: str | None
    updated: float
    archived: bool
    model: str | None = None
    message_count: int | None = None
    hit: SearchHit | None = None


def relative_time(timestamp: float, now: float) -> str:
    """ "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date."""
    seconds = max(0.0, now - timestamp)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")


def highlighted(hit: SearchHit) -> Content:
    """The hit's snippet as text, matches in the match style (on one line)."""
    parts: list[Content] = []
    for text, is_match in hit.segments():
        piece = Content(visible_text(" ".join(text.split("\n"))))
        parts.append(piece.stylize(MATCH_STYLE) if is_match else piece)
    return Content("").join(parts)


SHORT_ID = 6  # characters of a session id shown (more when needed to tell them apart)
MIN_TITLE = 16  # columns the title keeps before the details give way


@dataclass(frozen=True, slots=True)
class Columns:
    """The widths of the details, the same for every row of a list so they line up."""

    model: int
    count: int
    when: int
    id_length: int
    # Columns given up first when the list is narrow; the short id stays longest when
    # sessions share a title (it is then what tells them apart).
    drop_order: tuple[str, ...]

    @classmethod
    def of(cls, entries: list[Entry], now: float) -> Columns:
        ids = [e.session_id for e in entries]
        length = SHORT_ID
        while length < 32 and len({i[:length] for i in ids}) < len(set(ids)):
            length += 1
        titles = [" ".join((e.title or UNTITLED).split()) for e in entries]
        shared = len(set(titles)) < len(titles)
        return cls(
            model=max((len(e.model or "") for e in entries), default=0),
            count=max((len(message_count_text(e.message_count)) for e in entries), default=0),
            when=max((len(relative_time(e.updated, now)) for e in entries), default=0),
            id_length=length,
            drop_order=("model", "count", "when", "id") if shared else ("model", "id", "count", "when"),
        )


class SessionRow(Visual):
    """Title on the left; model, messages, last use and a short id in aligned columns on the
    right (the least useful give way first at narrow widths); a search hit's snippet on a
    second line. Laid out at whatever width the list has."""

    def __init__(
        self, entry: Entry, now: float, *, is_open: bool = False, columns: Columns | None = None
    ) -> None:
        self.entry = entry
        hit = entry.hit
        if hit is not None and hit.message_id is None:  # the title matched
            self.title = highlighted(hit)
        else:
            self.title = visible_literal(" ".join((entry.title or UNTITLED).split()))
        if is_open:
            self.title = self.title + Content("  (open)").stylize("$text-primary")
        if entry.archived:
            self.title = self.title + Content("  archived").stylize("$text-warning")
        columns = columns or Columns.of([entry], now)
        self.cells = {  # in display order; each padded to its column
            "model": Content(entry.model or "").truncate(columns.model, pad=True),
            "count": Content(message_count_text(entry.message_count).rjust(columns.count)),
            "when": Content(relative_time(entry.updated, now).ljust(columns.when)),
            "id": Content(entry.session_id[: columns.id_length]).stylize("$text-secondary"),
        }
        self.drop_order = columns.drop_order
        self.snippet: Content | None = None
        if hit is not None and hit.message_id is not None:
            role = Content(f"{hit.role or 'message'}: ").stylize("$text-muted")
            self.snippet = Content("  ") + role + highlighted(hit)

    def _meta(self, width: int) -> Content:
        """The detail columns that fit beside MIN_TITLE columns of title."""
        shown = [name for name, cell in self.cells.items() if cell.cell_length]
        for name in (None, *self.drop_order):
            if name in shown:
                shown.remove(name)
            used = sum(self.cells[n].cell_length + 2 for n in shown)
            if width - used >= MIN_TITLE:
                break
        return Content("  ").join(self.cells[n] for n in shown).stylize("$text-muted")

    def _lines(self, width: int) -> Content:
        meta = self._meta(width)
        if meta.cell_length:
            title = self.title.truncate(width - meta.cell_length - 2, ellipsis=True, pad=True)
            first = title + "  " + meta
        else:
            first = self.title.truncate(width, ellipsis=True)
        if self.snippet is None:
            return first
        return Content("\n").join([first, self.snippet.truncate(width, ellipsis=True)])

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self._lines(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1 if self.snippet is None else 2


def message_count_text(count: int | None) -> str:
    if count is None:
        return ""
    return "1 message" if count == 1 else f"{count} messages"


class SessionList(OptionList):
    """The list of sessions. Up on the first row returns to the search box; typing a letter
    that is not a key binding goes to the search box too.

    Keys typed in a burst all go to the widget focused when they arrived, and bindings run
    only once a key has bubbled up to the app. So the keys that move the focus are handled
    here, at once, with `Screen.set_focus`: the keys after them act where they left it."""

    BINDINGS = [Binding("enter", "select", "Open")]

    def on_key(self, event: Key) -> None:
        if event.key in ("up", "down") and self.screen.focused is self:
            event.stop()
            event.prevent_default()
            if event.key == "down":
                self.action_cursor_down()
            elif not self.highlighted:  # None or 0: back to the search box
                self.screen.set_focus(self.screen.query_one("#browser-search", Input))
            else:
                self.action_cursor_up()
            return
        if not (event.is_printable and event.character) or event.key in self.screen.active_bindings:
            return
        event.stop()
        event.prevent_default()
        search = self.screen.query_one("#browser-search", Input)
        self.screen.set_focus(search)
        search.cursor_position = len(search.value)
        search.insert_text_at_cursor(event.character)


class SearchBox(Input):
    """The search input. Down moves to the list at once (see `SessionList`); a key that
    reaches it after the focus moved on is left to the focused widget's bindings."""

    BINDINGS = [
        Binding("enter", "screen.open", "Open"),
        # Handled in _on_key (at once); the binding puts it in the footer.
        Binding("down", "screen.focus_list", "Select", key_display="↓"),
    ]

    async def _on_key(self, event: Key) -> None:
        if self.screen.focused is not self:
            # Not typed here (prevent_default skips Input's handler); it still bubbles up, and
            # the app checks the bindings of what is focused now.
            event.prevent_default()
            return
        if event.key == "down":
            event.stop()
            event.prevent_default()
            focus_list = getattr(self.screen, "action_focus_list", None)  # the browser's
            if callable(focus_list):
                focus_list()
            return
        await super()._on_key(event)
