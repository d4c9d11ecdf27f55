"""The session browser: every saved conversation, most recently used first, searchable.

A full-screen modal driven by the keyboard:

- type to search every title and message (full-text; matches highlighted), 150 ms after the
  last key press; the query runs in a thread worker, so typing never waits on the database;
- up/down move through the list, Enter opens the session (the screen dismisses with its id);
- on the list: r renames, d deletes (after a confirmation), a archives or unarchives;
  typing any other letter goes back to the search;
- ctrl+t shows or hides archived sessions; Escape closes (dismisses with None).

It needs nothing from the app: pass it a `SessionStore` or anything with the same `list_sessions`
/ `search` / `rename` / `delete` / `set_archived` methods. Every call runs in a thread worker.
Titles and snippets are shown as text, never parsed as markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui_chat.store import SearchHit, SessionSummary, StoreError
from tui_chat.ui.screens.session_browser.dialogs import ConfirmDeleteScreen, RenameSessionScreen
from tui_chat.ui.screens.session_browser.rows import (
    UNTITLED,
    Columns,
    Entry,
    SearchBox,
    SessionList,
    SessionRow,
)
from tui_chat.ui.widgets.text import visible_literal

SEARCH_DEBOUNCE = 0.15
SEARCH_LIMIT = 100
FIRST_ROWS = 50  # shown before the rest of a long session list


class SessionSource(Protocol):
    """What the browser needs from the store (`SessionStore` fits). Calls may block."""

    def list_sessions(
        self, *, include_archived: bool = False, limit: int | None = None
    ) -> list[SessionSummary]: ...

    def search(
        self, text: str, *, limit: int = 50, include_archived: bool = False, per_session: int | None = 1
    ) -> list[SearchHit]: ...

    def rename(self, session_id: str, title: str) -> None: ...

    def delete(self, session_id: str) -> None: ...

    def set_archived(self, session_id: str, archived: bool = True) -> None: ...


class SessionBrowser(ModalScreen[str | None]):
    """Browse, search, open, rename, delete and archive saved sessions."""

    DEFAULT_CSS = """
    SessionBrowser {
        background: $background;
        align-horizontal: center;

        #browser {
            width: 100%;
            max-width: 140;
            height: 1fr;
            padding: 1 1 0 1;
        }
        #browser-heading {
            height: 1;
            padding: 0 1;
        }
        #browser-title {
            width: 1fr;
            text-style: bold;
            color: $text-primary;
        }
        #browser-mode {
            width: auto;
            color: $text-warning;
        }
        #browser-search {
            margin-top: 1;
        }
        #browser-status {
            height: 1;
            padding: 0 1;
            color: $text-muted;
        }
        #browser-list {
            height: 1fr;
            background: $surface;
            & > .option-list--option {
                padding: 0 1;
            }
        }
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="browser_close"),
        Binding("r", "rename", "Rename", id="browser_rename"),
        Binding("d", "delete", "Delete", id="browser_delete"),
        Binding("a", "archive", "Archive", id="browser_archive"),
        # One key, two labels: the footer says what ctrl+t will do now.
        Binding("ctrl+t", "toggle_archived", "Show archived", id="browser_show_archived"),
        Binding("ctrl+t", "toggle_archived(False)", "Hide archived", id="browser_hide_archived"),
    ]

    AUTO_FOCUS = "#browser-search"

    class ResultsShown(Message):
        """The list now shows the results of the latest query (for tests and the app)."""

        def __init__(self, query: str, count: int) -> None:
            super().__init__()
            self.query = query
            self.count = count

    def __init__(
        self,
        store: SessionSource,
        *,
        current_id: str | None = None,
        debounce: float = SEARCH_DEBOUNCE,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.store = store
        self.current_id = current_id  # the session the app has open: shown, not deletable
        self.debounce = debounce
        self.now = now
        self.show_archived = False
        self._keep: str | None = None  # see _show
        self.entries: list[Entry] = []
        self.opened_message_id: str | None = None  # the message of the search hit opened
        self._query = ""  # what the list shows results for
        self._generation = 0  # bumped per query; late results of older ones are dropped
        self._debounce_timer: Timer | None = None
        self._open_when_shown = False  # Enter came before the results of what was typed

    def compose(self) -> ComposeResult:
        with Vertical(id="browser"):
            with Horizontal(id="browser-heading"):
                yield Static("Sessions", id="browser-title", markup=False)
                yield Static("", id="browser-mode", markup=False)
            # No select-on-focus: coming back from the list, typing goes on with the query.
            yield SearchBox(placeholder="Search all sessions…", id="browser-search", select_on_focus=False)
            yield Static("Loading…", id="browser-status", markup=False)
            yield SessionList(id="browser-list")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_results()

    # -- the search ------------------------------------------------------------------------

    @on(Input.Changed, "#browser-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._generation += 1  # results of the previous text are stale from now on
        if self._debounce_timer is not None:
            self._debounce_timer.stop()
            self._debounce_timer = None
        if self.debounce <= 0:
            self.refresh_results()
        else:
            self._debounce_timer = self.set_timer(self.debounce, self.refresh_results)

    @property
    def search_text(self) -> str:
        return self.query_one("#browser-search", Input).value

    def refresh_results(self) -> None:
        """Run the current query again (after typing, a change, or toggling archived)."""
        self._debounce_timer = None
        self._generation += 1
        text = self.search_text
        if _is_search(text):
            self._set_status("Searching…")
        self._run_query(text, self.show_archived, self._generation)

    @work(thread=True, exclusive=True, group="session-browser-query", exit_on_error=False)
    def _run_query(self, text: str, include_archived: bool, generation: int) -> None:
        worker = get_current_worker()
        try:
            if _is_search(text):
                entries = self._fetch(text, include_archived)
            else:
                entries = self._list_in_two_steps(text, include_archived, generation)
        except StoreError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_error, generation, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, generation, text, entries)

    def _list_in_two_steps(self, text: str, include_archived: bool, generation: int) -> list[Entry]:
        """Blocking. A screenful of sessions is shown first: with thousands of them, building
        every row takes a while. Returns the whole list."""
        first = self.store.list_sessions(include_archived=include_archived, limit=FIRST_ROWS)
        if len(first) < FIRST_ROWS:
            return [_entry(s) for s in first]
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, generation, text, [_entry(s) for s in first], False)
        return self._fetch(text, include_archived)

    def _fetch(self, text: str, include_archived: bool) -> list[Entry]:
        """Blocking: runs in the worker thread."""
        summaries = self.store.list_sessions(include_archived=include_archived)
        if not _is_search(text):
            return [_entry(s) for s in summaries]
        by_id = {s.id: s for s in summaries}
        hits = self.store.search(text, include_archived=include_archived, limit=SEARCH_LIMIT)
        return [_entry(by_id.get(hit.session_id), hit) for hit in hits]

    def _show(self, generation: int, text: str, entries: list[Entry], complete: bool = True) -> None:
        """Show `entries`; `complete=False` for the first rows of a list that follows."""
        if generation != self._generation:
            return  # a newer query is on its way
        session_list = self.query_one(SessionList)
        # The session to keep highlighted: the one the user chose, even when the first rows of
        # a long list did not include it (the highlight then sits elsewhere until the rest).
        keep = self._keep or (session_list.highlighted_option.id if session_list.highlighted_option else None)
        self._keep = None
        old_index = session_list.highlighted
        searching = _is_search(text)
        new_search = text != self._query
        self._query = text
        self.entries = entries
        now = self.now()
        columns = Columns.of(entries, now)
        session_list.set_options(
            Option(
                SessionRow(e, now, is_open=e.session_id == self.current_id, columns=columns), id=e.session_id
            )
            for e in entries
        )
        if entries:
            ids = [e.session_id for e in entries]
            if new_search or keep is None:
                index = 0
            elif keep in ids:
                index = ids.index(keep)
            elif not complete:
                self._keep = keep
                index = min(old_index or 0, len(entries) - 1)
            else:  # the highlighted one went away (deleted, archived): stay in place
                index = min(old_index or 0, len(entries) - 1)
            session_list.highlighted = index
        self._set_status(self._describe(text, searching, len(entries)))
        self.query_one("#browser-mode", Static).update("showing archived" if self.show_archived else "")
        if not complete:
            return
        self.post_message(self.ResultsShown(text, len(entries)))
        if self._open_when_shown:
            self._open_when_shown = False
            if entries:
                self._open(entries[0])

    def _describe(self, text: str, searching: bool, count: int) -> Content:
        if searching:
            if not count:
                return Content.assemble("No sessions match ", (text.strip(), "bold"))
            found = "1 session matches" if count == 1 else f"{count} sessions match"
            return Content.assemble(f"{found} ", (text.strip(), "bold"))
        archived = " (archived ones too)" if self.show_archived else ""
        if not count:
            return Content("No saved sessions yet." if not self.show_archived else "No sessions.")
        return Content(f"{count} session{'s' if count != 1 else ''}{archived}, most recently used first")

    def _show_error(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._set_status(f"Could not read the sessions: {message}")

    def _set_status(self, text: str | Content) -> None:
        self.query_one("#browser-status", Static).update(
            visible_literal(text) if isinstance(text, str) else text
        )

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "delete", "archive"):
            # Letters type into the search box; act on a session from the list.
            if not isinstance(self.focused, SessionList):
                return False
            return self.selected is not None
        if action == "open":
            return self.selected is not None or isinstance(self.focused, Input)
        if action == "toggle_archived":
            return bool(parameters) == self.show_archived  # "Hide" (with a parameter) while shown
        return True

    @property
    def selected(self) -> Entry | None:
        session_list = self.query_one(SessionList)
        index = session_list.highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#browser-search", Input))

    def action_focus_list(self) -> None:
        session_list = self.query_one(SessionList)
        if session_list.option_count:
            if session_list.highlighted is None:
                session_list.highlighted = 0
            self.set_focus(session_list)

    def action_open(self) -> None:
        if isinstance(self.focused, Input) and self.search_text != self._query:
            # Typed and Enter pressed before the search ran: open its best match once shown.
            self._open_when_shown = True
            self.refresh_results()
            return
        if (entry := self.selected) is not None:
            self._open(entry)

    @on(OptionList.OptionSelected, "#browser-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = next((e for e in self.entries if e.session_id == event.option.id), None)
        if entry is not None:
            self._open(entry)
        elif event.option.id is not None:
            self.dismiss(event.option.id)

    def _open(self, entry: Entry) -> None:
        """Dismiss with the session's id; a message hit also leaves its message's id in
        `opened_message_id`, so the opener shows the branch that holds it."""
        self.opened_message_id = entry.hit.message_id if entry.hit is not None else None
        self.dismiss(entry.session_id)

    def action_toggle_archived(self, show: bool = True) -> None:
        self.show_archived = show
        self.refresh_bindings()
        self.refresh_results()

    def action_rename(self) -> None:
        entry = self.selected
        if entry is None:
            return

        def renamed(title: str | None) -> None:
            if title:
                self._change(lambda: self.store.rename(entry.session_id, title), f"Renamed to “{title}”")

        self.app.push_screen(RenameSessionScreen(entry.title or ""), renamed)

    def action_delete(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if entry.session_id == self.current_id:
            self.notify(
                "This is the conversation you have open: start a new chat first, then delete it.",
                title="Not deleted",
                severity="warning",
            )
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                title = entry.title or UNTITLED
                self._change(lambda: self.store.delete(entry.session_id), f"Deleted “{title}”")

        self.app.push_screen(ConfirmDeleteScreen(entry.title or UNTITLED, entry.message_count), confirmed)

    def action_archive(self) -> None:
        entry = self.selected
        if entry is None:
            return
        archive = not entry.archived
        title = entry.title or UNTITLED
        if archive:
            done = f"Archived “{title}”" + ("" if self.show_archived else " (ctrl+t shows archived sessions)")
        else:
            done = f"Unarchived “{title}”"
        self._change(lambda: self.store.set_archived(entry.session_id, archive), done)

    @work(thread=True, group="session-browser-change", exit_on_error=False)
    def _change(self, change: Callable[[], None], done: str) -> None:
        try:
            change()
        except (StoreError, ValueError) as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Could not change the session", severity="error"
            )
            return
        self.app.call_from_thread(self._changed, done)

    def _changed(self, done: str) -> None:
        self.notify(done)
        self.refresh_results()


def _is_search(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _entry(summary: SessionSummary | None, hit: SearchHit | None = None) -> Entry:
    if summary is None:  # found by the search but not listed (created a moment ago)
        assert hit is not None
        return Entry(hit.session_id, hit.title, hit.updated, hit.archived, hit=hit)
    return Entry(
        summary.id,
        summary.title,
        summary.updated,
        summary.archived,
        model=summary.model,
        message_count=summary.message_count,
        hit=hit,
    )


# -- dialogs -------------------------------------------------------------------------------
