"""The session browser against a real store: list, search, open, rename, delete, archive."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.content import Span
from textual.pilot import Pilot
from textual.widgets import Input

from tests.store.support import chat, weather_conversation
from tests.waiting import wait_for
from tui_chat.engine.conversation import Conversation
from tui_chat.store import SearchHit, SessionStore
from tui_chat.ui.screens.session_browser import (
    MATCH_STYLE,
    ConfirmDeleteScreen,
    RenameSessionScreen,
    SessionBrowser,
    SessionList,
    SessionRow,
    relative_time,
)
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS

NOW = 1_750_000_000.0
HOUR = 3600.0
DAY = 86400.0


class BrowserApp(App[None]):
    """Stands in for the chat app: opens the browser and keeps what it returns."""

    AUTO_FOCUS = "#prompt"  # as the chat app: screens must name their own focus

    def __init__(self, store: Any, *, current_id: str | None = None, debounce: float = 0.0) -> None:
        super().__init__()
        self.store = store
        self.current_id = current_id
        self.debounce = debounce
        self.opened: list[str | None] = []
        self.shown: asyncio.Queue[tuple[str, int]] = asyncio.Queue()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        browser = SessionBrowser(
            self.store, current_id=self.current_id, debounce=self.debounce, now=lambda: NOW
        )
        self.push_screen(browser, self.opened.append)

    def on_session_browser_results_shown(self, message: SessionBrowser.ResultsShown) -> None:
        self.shown.put_nowait((message.query, message.count))

    @property
    def browser(self) -> SessionBrowser:
        screen = self.screen_stack[1] if len(self.screen_stack) > 1 else self.screen
        assert isinstance(screen, SessionBrowser)
        return screen

    async def results(self) -> tuple[str, int]:
        """Wait for the list to show the results of a query."""
        return await asyncio.wait_for(self.shown.get(), timeout=10)

    def titles(self) -> list[str | None]:
        return [entry.title for entry in self.browser.entries]


def screen_text(app: App[Any]) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    opened = SessionStore.open(tmp_path / "sessions.db")
    yield opened
    opened.close()


def save(
    store: SessionStore, conv: Conversation, *, hours_ago: float, archived: bool = False
) -> Conversation:
    store.save_conversation(
        conv, provider="openai", created=NOW - hours_ago * HOUR, updated=NOW - hours_ago * HOUR
    )
    if archived:
        store.set_archived(conv.id)
    return conv


save_session = save


@pytest.fixture
def sessions(store: SessionStore) -> dict[str, Conversation]:
    return {
        "pancakes": save(store, chat("How do I make pancakes?", "Mix flour, eggs and milk."), hours_ago=0.1),
        "weather": save(store, weather_conversation(), hours_ago=5),
        "rust": save(
            store,
            chat(
                "Explain Rust lifetimes", "A lifetime names a scope.", "And elision?", "Rules fill them in."
            ),
            hours_ago=30,
        ),
        "old": save(
            store, chat("An old question about flour types", "Bread flour has more protein."), hours_ago=80
        ),
    }


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


async def test_lists_sessions_most_recent_first_with_details(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)):
        assert await app.results() == ("", 4)
        assert app.titles() == [
            "How do I make pancakes?",
            "What's the weather in Paris today?",
            "Explain Rust lifetimes",
            "An old question about flour types",
        ]
        text = screen_text(app)
        assert "4 sessions, most recently used first" in text
        pancakes = next(line for line in text.splitlines() if "How do I make pancakes?" in line)
        assert "gpt-4o-mini  2 messages  6 min ago" in pancakes
        rust = next(line for line in text.splitlines() if "Explain Rust lifetimes" in line)
        assert "4 messages  yesterday" in rust


async def test_search_narrows_the_list_and_highlights_the_match(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await type_text(pilot, "flour")
        while (found := await app.results())[0] != "flour":
            pass

        assert found == ("flour", 2)
        assert app.titles() == ["An old question about flour types", "How do I make pancakes?"]
        text = screen_text(app)
        assert "2 sessions match flour" in text
        assert "assistant: Mix flour, eggs and milk." in text
        # Each match is styled as a match, and only the match.
        rows = [option.prompt for option in app.browser.query_one(SessionList).options]
        assert all(isinstance(row, SessionRow) for row in rows)
        title_row, message_row = rows
        assert isinstance(title_row, SessionRow) and isinstance(message_row, SessionRow)
        assert matched(title_row.title.spans, title_row.title.plain) == ["flour"]
        assert message_row.snippet is not None
        assert matched(message_row.snippet.spans, message_row.snippet.plain) == ["flour"]

        await type_text(pilot, " milk")
        while (found := await app.results())[0] != "flour milk":
            pass
        assert app.titles() == ["How do I make pancakes?"]

        await pilot.press("ctrl+u")  # clear the search box: everything again
        while (found := await app.results())[0] != "":
            pass
        assert found == ("", 4)


def matched(spans: Sequence[Span], plain: str) -> list[str]:
    return [plain[span.start : span.end] for span in spans if span.style == MATCH_STYLE]


async def test_search_results_are_text_not_markup(store: SessionStore) -> None:
    sneaky = save(store, chat("[bold red]not markup[/] $accent", "[link=x]click[/link] markup"), hours_ago=1)
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        assert "[bold red]not markup[/] $accent" in screen_text(app)
        await type_text(pilot, "click")
        while (await app.results())[0] != "click":
            pass
        assert "assistant: [link=x]click[/link] markup" in screen_text(app)
        await pilot.press("enter")
        assert app.opened == [sneaky.id]


async def test_enter_opens_the_highlighted_session(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "down", "down")  # into the list, then two rows down
        assert isinstance(app.focused, SessionList)
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == [sessions["rust"].id]
        assert not isinstance(app.screen, SessionBrowser)


async def test_enter_in_the_search_box_opens_the_best_match(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await type_text(pilot, "sunny")
        while (await app.results())[0] != "sunny":
            pass
        await pilot.press("enter")
        assert app.opened == [sessions["weather"].id]


async def test_escape_closes_without_opening(store: SessionStore, sessions: dict[str, Conversation]) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("escape")
        assert app.opened == [None]


async def test_typing_on_the_list_goes_to_the_search_box(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down")
        assert isinstance(app.focused, SessionList)
        await pilot.press("p", "a", "n")  # not r, d or a first: those act on the session
        assert isinstance(app.focused, Input) and app.focused.value == "pan"
        await pilot.press("down", "up")  # up on the first row goes back to the search box
        assert isinstance(app.focused, Input)


async def test_rename(store: SessionStore, sessions: dict[str, Conversation]) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "down")  # the weather session
        await pilot.press("r")
        assert isinstance(app.screen, RenameSessionScreen)
        rename_box = app.screen.query_one(Input)
        assert rename_box.value == "What's the weather in Paris today?"
        await pilot.press("ctrl+u")
        await type_text(pilot, "Paris   weather ")
        await pilot.press("enter")
        await app.results()

        assert store.summary(sessions["weather"].id).title == "Paris weather"
        assert app.titles()[1] == "Paris weather"
        assert app.browser.selected is not None and app.browser.selected.session_id == sessions["weather"].id


async def test_keys_typed_in_a_burst_act_where_the_previous_key_left_the_focus(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        for key in ("down", "down", "r"):  # all queued before any is handled, like a fast typist
            app.simulate_key(key)
        await pilot.pause()
        assert isinstance(app.screen, RenameSessionScreen)
        assert app.screen.query_one(Input).value == "What's the weather in Paris today?"
        await pilot.press("escape")
        for key in ("up", "up", "x"):  # back to the search box, and type there
            app.simulate_key(key)
        await pilot.pause()
        assert app.browser.query_one("#browser-search", Input).value == "x"


async def test_enter_right_after_typing_opens_the_match_for_what_was_typed(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store, debounce=0.15)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        for key in ("s", "u", "n", "n", "y", "enter"):  # faster than the search debounce
            app.simulate_key(key)
        await wait_for(pilot, lambda: bool(app.opened))
        assert app.opened == [sessions["weather"].id]


async def test_rename_cancelled_changes_nothing(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "r", "ctrl+u", "x", "escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionBrowser)
        assert store.summary(sessions["pancakes"].id).title == "How do I make pancakes?"


async def test_delete_asks_first_and_cancel_keeps_the_session(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDeleteScreen)
        assert "“How do I make pancakes?” and its 2 messages will be deleted for" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionBrowser)
        assert store.exists(sessions["pancakes"].id)

        await pilot.press("d", "enter")  # Enter on the default button keeps it too
        await pilot.pause()
        assert store.exists(sessions["pancakes"].id)


async def test_delete_confirmed_removes_the_session(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "down", "d", "y")
        assert await app.results() == ("", 3)
        assert not store.exists(sessions["weather"].id)
        assert "What's the weather in Paris today?" not in app.titles()
        # The highlight stays in place: on the session that came after it.
        assert app.browser.selected is not None and app.browser.selected.session_id == sessions["rust"].id


async def test_the_open_session_cannot_be_deleted(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store, current_id=sessions["pancakes"].id)
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        await app.results()
        assert "How do I make pancakes?  (open)" in screen_text(app)
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, SessionBrowser)
        assert "This is the conversation you have open: start a new" in screen_text(app)
        assert store.exists(sessions["pancakes"].id)


async def test_archive_hides_and_ctrl_t_shows_archived(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "a")
        assert await app.results() == ("", 3)
        assert "How do I make pancakes?" not in app.titles()
        assert store.summary(sessions["pancakes"].id).archived

        assert "Show archived" in screen_text(app)
        await pilot.press("ctrl+t")
        assert await app.results() == ("", 4)
        text = screen_text(app)
        assert "showing archived" in text
        assert "Hide archived" in text and "Show archived" not in text  # the footer says what ctrl+t does
        pancakes = next(line for line in text.splitlines() if "How do I make pancakes?" in line)
        assert "archived" in pancakes.split("How do I make pancakes?")[1]

        # The highlight stayed on the session it was on; the archived one is above it.
        assert app.browser.selected is not None and app.browser.selected.session_id == sessions["weather"].id
        await pilot.press("up", "a")
        await app.results()
        assert not store.summary(sessions["pancakes"].id).archived
        await pilot.press("ctrl+t")  # and back
        assert await app.results() == ("", 4) and not app.browser.show_archived
        assert "Show archived" in screen_text(app)


async def test_archived_sessions_are_searched_only_when_shown(store: SessionStore) -> None:
    save(store, chat("Tucked away sourdough"), hours_ago=1, archived=True)
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        assert await app.results() == ("", 0)
        assert "No saved sessions yet." in screen_text(app)
        await type_text(pilot, "sourdough")
        while (found := await app.results())[0] != "sourdough":
            pass
        assert found == ("sourdough", 0)
        assert "No sessions match sourdough" in screen_text(app)
        await pilot.press("ctrl+t")
        assert await app.results() == ("sourdough", 1)


class SlowStore:
    """A store whose searches wait until the test lets them go."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self.searching = threading.Event()
        self.release = threading.Event()
        self.searches: list[str] = []

    def list_sessions(self, **kwargs: Any) -> Any:
        return self.store.list_sessions(**kwargs)

    def search(self, text: str, **kwargs: Any) -> list[SearchHit]:
        self.searches.append(text)
        self.searching.set()
        assert self.release.wait(10)
        return self.store.search(text, **kwargs)

    def rename(self, session_id: str, title: str) -> None:
        self.store.rename(session_id, title)

    def delete(self, session_id: str) -> None:
        self.store.delete(session_id)

    def set_archived(self, session_id: str, archived: bool = True) -> None:
        self.store.set_archived(session_id, archived)


async def test_typing_never_waits_for_the_database(
    store: SessionStore, sessions: dict[str, Conversation]
) -> None:
    slow = SlowStore(store)
    app = BrowserApp(slow, debounce=0.15)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await type_text(pilot, "pan")
        assert await asyncio.to_thread(slow.searching.wait, 10)  # a search is stuck in the database

        await type_text(pilot, "cakes")

        assert app.browser.query_one("#browser-search", Input).value == "pancakes"
        assert "Searching…" in screen_text(app)
        slow.release.set()
        assert await app.results() == ("pancakes", 1)  # stale results of "pan" never show
        assert slow.searches[-1] == "pancakes"


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (5, "just now"),
        (300, "5 min ago"),
        (3 * HOUR, "3 h ago"),
        (DAY + 5, "yesterday"),
        (3 * DAY, "3 days ago"),
    ],
)
def test_relative_time(ago: float, shown: str) -> None:
    assert relative_time(NOW - ago, NOW) == shown


def test_browser_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    with SessionStore.open(tmp_path / "snapshot.db") as store:
        # Fixed ids: the rows show their first characters.
        fixed = iter(f"{n:x}{n:x}{n:x}" * 8 for n in range(10, 16))

        def save(store: SessionStore, conv: Conversation, **kwargs: Any) -> Conversation:
            conv.id = next(fixed)[:32]
            return save_session(store, conv, **kwargs)

        save(store, chat("How do I make pancakes?", "Mix flour, eggs and milk."), hours_ago=0.1)
        save(store, weather_conversation(), hours_ago=5)
        save(
            store,
            chat("Explain Rust lifetimes", "A lifetime names a scope.", "And elision?", "Rules."),
            hours_ago=30,
        )
        save(
            store,
            chat("Sourdough starter schedule", "Feed it rye flour twice a day."),
            hours_ago=50,
            archived=True,
        )
        save(store, chat("An old question about flour types", "Bread flour has more protein."), hours_ago=80)
        app = BrowserApp(store)

        async def run_before(pilot: Pilot[None]) -> None:
            await app.results()
            app.browser.query_one("#browser-search", Input).cursor_blink = False
            await type_text(pilot, "flour")
            while (await app.results())[0] != "flour":
                pass
            await pilot.press("ctrl+t")
            await app.results()
            await pilot.press("down")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)


async def test_ctrl_t_keeps_the_highlighted_session_in_a_long_list(store: SessionStore) -> None:
    # More sessions than the first screenful the list shows before the rest, so the session
    # highlighted far down is not among the first rows shown after ctrl+t.
    for n in range(70):
        save(store, chat(f"Question {n}", "Answer."), hours_ago=n + 1, archived=n % 3 == 0)
    app = BrowserApp(store)
    async with app.run_test(size=(110, 30)) as pilot:
        await app.results()
        await pilot.press("down", "end")
        await pilot.pause()
        target = app.browser.selected
        assert target is not None and target.title == "Question 68"
        await pilot.press("ctrl+t")
        assert await app.results() == ("", 70)
        assert app.browser.selected is not None and app.browser.selected.session_id == target.session_id
        await pilot.press("ctrl+t")
        assert await app.results() == ("", 46)
        assert app.browser.selected is not None and app.browser.selected.session_id == target.session_id


@pytest.mark.parametrize("width", [40, 60, 80, 110, 160])
async def test_details_line_up_in_columns_and_same_titles_get_a_short_id(
    store: SessionStore, width: int
) -> None:
    twins = [save(store, chat("Plan the trip", "Sure."), hours_ago=h) for h in (1, 2)]
    long_one = chat(
        "Explain Rust lifetimes", "A.", "B?", "C.", "D?", "E.", "F?", "G.", "H?", "I.", "J?", "K."
    )
    long_one.model = "a-much-longer-model-name"
    save(store, long_one, hours_ago=30)
    save(store, chat("An old question about flour types", "Bread flour."), hours_ago=24 * 9)
    app = BrowserApp(store)
    async with app.run_test(size=(width, 20)):
        assert await app.results() == ("", 4)
        rows = [line.strip("│▊▎ ") for line in screen_text(app).splitlines()]
        rows = [row for row in rows if row.startswith(("Plan", "Explain", "An old"))]
        assert len(rows) == 4, screen_text(app)
        # The short id (last) starts, and the message count (right-aligned) ends, at the same
        # column in every row.
        assert len({row.rindex(" ") for row in rows}) == 1, rows
        if "messages" in rows[0]:
            assert len({row.index("messages") for row in rows}) == 1, rows
        if width >= 110:
            assert all("messages" in row and ("ago" in row or "-" in row) for row in rows), rows
        shown = [row.split()[-1] for row in rows[:2]]
        twin_ids = [t.id for t in twins]
        assert len(set(shown)) == 2 and all(any(i.startswith(s) for i in twin_ids) for s in shown), rows
