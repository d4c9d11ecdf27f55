"""The tool-activity sidebar, fed engine events by a tiny app (no engine, no network)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from itertools import zip_longest
from typing import Any

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._collapsible import CollapsibleTitle

from tests.ui.app_support import wait_for
from tui_chat.engine.conversation import Conversation, Message, ToolActivity, ToolCall
from tui_chat.engine.events import (
    ChatEvent,
    ConversationChanged,
    Event,
    MessageAdded,
    ResponseFinished,
    TextDelta,
    ToolCallArgumentsDelta,
    ToolCallCompleted,
    ToolCallStarted,
    ToolExecutionStarted,
    ToolResultReady,
    TurnClosed,
    TurnEnded,
    TurnStarted,
)
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.widgets.tool_call_card import SPINNER_FRAMES, ToolCallCard
from tui_chat.ui.widgets.tool_sidebar import ToolSidebar


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class SidebarApp(App[None]):
    CSS = "ToolSidebar { width: 1fr; height: 1fr; }"

    def __init__(self, clock: FakeClock | None = None) -> None:
        super().__init__()
        self.clock = clock or FakeClock()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLE_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield ToolSidebar(clock=self.clock)

    @property
    def sidebar(self) -> ToolSidebar:
        return self.query_one(ToolSidebar)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text (styles dropped)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


async def feed(pilot: Pilot[None], events: Iterable[ChatEvent]) -> None:
    sidebar = pilot.app.query_one(ToolSidebar)
    for event in events:
        sidebar.handle_event(event)
        await pilot.pause()
    await pilot.pause()


def streamed(
    message_id: str, index: int, call_id: str, name: str, arguments: str, step: int = 4
) -> list[Event]:
    """A call's events as the engine yields them: started, fragments, completed."""
    events: list[Event] = [ToolCallStarted(message_id, index, call_id, name)]
    events += [
        ToolCallArgumentsDelta(call_id, arguments[i : i + step]) for i in range(0, len(arguments), step)
    ]
    events.append(ToolCallCompleted(ToolCall(call_id, name, arguments)))
    return events


@pytest.fixture(autouse=True)
def immediate_argument_paints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most tests want every fragment painted at once; the time gate has its own tests."""
    monkeypatch.setattr(ToolCallCard, "ARGUMENTS_REFRESH_INTERVAL", 0.0)


# ---------------------------------------------------------------------------------------------
# Empty state


async def test_empty_state_until_the_first_call_and_after_clear() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        assert "No tool calls yet" in screen_text(app)
        await feed(pilot, [ToolCallStarted("m1", 0, "c1", "get_weather")])
        text = screen_text(app)
        assert "No tool calls yet" not in text
        assert "get_weather" in text
        app.sidebar.clear()
        await pilot.pause()
        assert "No tool calls yet" in screen_text(app)
        assert "get_weather" not in screen_text(app)
        assert app.sidebar.cards == []


# ---------------------------------------------------------------------------------------------
# Arguments while they stream, and once complete


async def test_streamed_fragments_show_before_completion_then_pretty_json() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(
            pilot,
            [
                ToolCallStarted("m1", 0, "c1", "get_weather"),
                ToolCallArgumentsDelta("c1", '{"city": "Pa'),
            ],
        )
        text = screen_text(app)
        assert '{"city": "Pa' in text
        assert "streaming…" in text
        await feed(pilot, [ToolCallArgumentsDelta("c1", 'ris", "units": "metric"}')])
        assert '{"city": "Paris", "units":' in screen_text(app)  # raw, as it came

        await feed(
            pilot, [ToolCallCompleted(ToolCall("c1", "get_weather", '{"city": "Paris", "units": "metric"}'))]
        )
        lines = [line.rstrip() for line in screen_text(app).splitlines()]
        # Pretty-printed: one key a line, indented under an opening brace.
        assert any(line.endswith('"city": "Paris",') for line in lines)
        assert any(line.endswith('"units": "metric"') for line in lines)
        assert '{"city": "Paris", "units":' not in "\n".join(lines)
        card = app.sidebar.card("c1")
        assert card is not None and card.arguments_complete
        assert card.status == "pending"
        assert "pending" in screen_text(app)


async def test_invalid_json_arguments_show_raw_with_a_note() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "search", '{"q": "unterminated'))
        text = screen_text(app)
        assert '{"q": "unterminated' in text
        assert "not valid JSON" in text


async def test_empty_arguments_say_so() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "get_time", ""))
        assert "no arguments" in screen_text(app)


async def test_long_complete_arguments_fold_into_a_collapsible(monkeypatch: pytest.MonkeyPatch) -> None:
    arguments = json.dumps({f"key{i}": i for i in range(30)})
    app = SidebarApp()
    async with app.run_test(size=(40, 60)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "bulk", arguments, step=50))
        text = screen_text(app)
        assert '"key0": 0' in text
        assert '"key29": 29' not in text
        assert "more lines" in text
        assert "all 32 lines of arguments" in text
        title = app.query_one(".tool-card-full-args-box CollapsibleTitle", CollapsibleTitle)
        await pilot.click(title)
        await pilot.pause()
        text = screen_text(app)
        assert '"key29": 29' in text
        assert "more lines" not in text  # the preview hides while the full text shows


# ---------------------------------------------------------------------------------------------
# The time gate: argument deltas repaint a bounded number of times


async def test_argument_deltas_are_time_gated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ToolCallCard, "ARGUMENTS_REFRESH_INTERVAL", 0.05)
    clock = FakeClock()
    app = SidebarApp(clock)
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(pilot, [ToolCallStarted("m1", 0, "c1", "write_file")])
        card = app.sidebar.card("c1")
        assert card is not None
        sidebar = app.sidebar
        sidebar.handle_event(ToolCallArgumentsDelta("c1", '{"text": "'))
        for i in range(500):  # the clock does not move: all within one interval
            sidebar.handle_event(ToolCallArgumentsDelta("c1", f"word{i} "))
        assert card.argument_paints == 1  # the first fragment painted at once; the rest wait
        assert len(card.arguments) > 3000  # nothing is lost, only not painted yet
        # The trailing repaint comes after the interval, with everything received.
        await pilot.pause(0.15)
        assert card.argument_paints == 2
        assert "word499" in screen_text(app)


async def test_completion_paints_at_once_even_inside_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ToolCallCard, "ARGUMENTS_REFRESH_INTERVAL", 10.0)
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(pilot, [ToolCallStarted("m1", 0, "c1", "f"), ToolCallArgumentsDelta("c1", '{"a"')])
        await feed(pilot, [ToolCallArgumentsDelta("c1", ": 1}")])
        assert ": 1}" not in screen_text(app)  # gated
        await feed(pilot, [ToolCallCompleted(ToolCall("c1", "f", '{"a": 1}'))])
        assert '"a": 1' in screen_text(app)


async def test_streaming_shows_a_bounded_tail_of_huge_arguments() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, [ToolCallStarted("m1", 0, "c1", "write_file")])
        sidebar = app.sidebar
        sidebar.handle_event(ToolCallArgumentsDelta("c1", '{"content": "'))
        for i in range(2000):
            sidebar.handle_event(ToolCallArgumentsDelta("c1", f"chunk{i:04d}-"))
        await pilot.pause()
        card = sidebar.card("c1")
        assert card is not None
        shown = card.query_one(".tool-card-args", Static).visual
        plain = getattr(shown, "plain", "")
        assert plain.startswith("…")
        assert plain.endswith("chunk1999-")
        assert len(plain) <= ToolCallCard.STREAM_TAIL_CHARS + 1
        assert card.region.height <= ToolCallCard.STREAM_TAIL_LINES + 12


# ---------------------------------------------------------------------------------------------
# Parallel calls


async def test_parallel_interleaved_calls_each_get_their_own_card() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 50)) as pilot:
        await feed(
            pilot,
            [
                ToolCallStarted("m1", 0, "c1", "get_weather"),
                ToolCallArgumentsDelta("c1", '{"city": '),
                ToolCallStarted("m1", 1, "c2", "get_weather"),
                ToolCallArgumentsDelta("c2", '{"city": '),
                ToolCallArgumentsDelta("c2", '"Berlin"}'),
                ToolCallArgumentsDelta("c1", '"Paris"}'),
                ToolCallCompleted(ToolCall("c1", "get_weather", '{"city": "Paris"}')),
                ToolCallCompleted(ToolCall("c2", "get_weather", '{"city": "Berlin"}')),
                ToolExecutionStarted("c1", "get_weather"),
                ToolExecutionStarted("c2", "get_weather"),
                ToolResultReady("c2", "get_weather", "ok", "Berlin: 18C", 0.2, "t2"),
                ToolResultReady("c1", "get_weather", "ok", "Paris: 21C", 0.3, "t1"),
            ],
        )
        cards = app.sidebar.cards
        assert [c.call_id for c in cards] == ["c1", "c2"]
        assert [c.arguments for c in cards] == ['{"city": "Paris"}', '{"city": "Berlin"}']
        assert [c.result for c in cards] == ["Paris: 21C", "Berlin: 18C"]
        assert [c.duration for c in cards] == [0.3, 0.2]
        text = screen_text(app)
        assert (
            text.index('"Paris"')
            < text.index("Paris: 21C")
            < text.index('"Berlin"')
            < text.index("Berlin: 18C")
        )
        assert "2 calls" in text


# ---------------------------------------------------------------------------------------------
# Status, duration, result


def status_of(card: ToolCallCard) -> str:
    """The card's status, read afresh (an event may have changed it)."""
    return card.status


async def test_status_moves_pending_running_ok_with_duration() -> None:
    clock = FakeClock()
    app = SidebarApp(clock)
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "get_weather", '{"city": "Paris"}'))
        card = app.sidebar.card("c1")
        assert card is not None
        assert card.status == "pending" and card.has_class("-pending")
        assert "◌" in screen_text(app)

        await feed(pilot, [ToolExecutionStarted("c1", "get_weather")])
        assert card.has_class("-running") and status_of(card) == "running"
        clock.now += 1.5
        await pilot.pause(card.SPINNER_INTERVAL * 3)  # the spinner ticks the elapsed time
        text = screen_text(app)
        assert "running 1.5s" in text
        assert any(frame in text for frame in SPINNER_FRAMES)

        await feed(pilot, [ToolResultReady("c1", "get_weather", "ok", "21C and sunny", 0.42, "t1")])
        assert status_of(card) == "ok" and card.has_class("-ok") and not card.has_class("-running")
        text = screen_text(app)
        assert "✓" in text
        assert "ok 420ms" in text
        assert "21C and sunny" in text
        assert not any(frame in text for frame in SPINNER_FRAMES)


async def test_error_and_refused_results() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "run_shell", '{"command": "make"}'))
        await feed(pilot, streamed("m1", 1, "c2", "delete_file", '{"path": "/"}'))
        await feed(
            pilot,
            [
                ToolExecutionStarted("c1", "run_shell"),
                ToolResultReady("c1", "run_shell", "error", "make: *** No rule to make target", 3.25, "t1"),
                ToolResultReady("c2", "delete_file", "refused", "The user denied this tool call.", 0, "t2"),
            ],
        )
        failed, refused = app.sidebar.cards
        assert failed.status == "error" and failed.has_class("-error")
        assert refused.status == "refused" and refused.has_class("-refused")
        text = screen_text(app)
        assert "✗" in text and "error 3.2s" in text
        assert "No rule to make target" in text
        assert "⊘" in text and "refused" in text
        assert "The user denied this tool call." in text
        assert "refused 0ms" not in text  # a refused call never ran: no duration


async def test_short_result_is_open_and_a_long_one_collapsed_with_its_first_line() -> None:
    long_result = "Exit status 1\n" + "\n".join(f"FAILED test_{i}" for i in range(20))
    app = SidebarApp()
    async with app.run_test(size=(40, 40)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "short", "{}"))
        await feed(pilot, streamed("m1", 1, "c2", "long", "{}"))
        await feed(
            pilot,
            [
                ToolResultReady("c1", "short", "ok", "done", 0.1, "t1"),
                ToolResultReady("c2", "long", "ok", long_result, 0.1, "t2"),
            ],
        )
        short, long = app.sidebar.cards
        assert short.result_collapsible is not None and not short.result_collapsible.collapsed
        assert long.result_collapsible is not None and long.result_collapsible.collapsed
        text = screen_text(app)
        assert "result: Exit status 1" in text  # the first line stays visible
        assert "FAILED test_5" not in text

        await pilot.click(long.result_collapsible.query_one(CollapsibleTitle))
        await pilot.pause()
        assert not long.result_collapsible.collapsed
        text = screen_text(app)
        assert "FAILED test_5" in text
        assert "result · 21 lines" in text


async def test_json_results_are_pretty_printed() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "get_weather", "{}"))
        await feed(pilot, [ToolResultReady("c1", "get_weather", "ok", '{"temp": 21}', 0.1, "t1")])
        lines = [line.rstrip() for line in screen_text(app).splitlines()]
        assert any(line.endswith('    "temp": 21') for line in lines)  # on its own line, indented
        assert '{"temp": 21}' not in "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Text, never markup


async def test_markup_and_ansi_in_names_arguments_and_results_show_literally() -> None:
    evil_args = '{"q": "[bold red]boom[/] \\u001b[31mred"}'  # ESC inside a JSON string
    raw_stream = "[bold]raw[/bold] \x1b[2J"  # streamed text that is not JSON (yet)
    result = "[blink]RESULT[/blink]\x1b[1mloud\x1b[0m\rover\x07"
    app = SidebarApp()
    async with app.run_test(size=(60, 40)) as pilot:
        await feed(
            pilot,
            [
                ToolCallStarted("m1", 0, "c1", "[italic]name[/italic]"),
                ToolCallArgumentsDelta("c1", raw_stream),
            ],
        )
        text = screen_text(app)
        assert "[italic]name[/italic]" in text
        assert "[bold]raw[/bold] ␛[2J" in text
        await feed(
            pilot,
            [
                ToolCallCompleted(ToolCall("c1", "[italic]name[/italic]", evil_args)),
                ToolResultReady("c1", "[italic]name[/italic]", "ok", result, 0.1, "t1"),
            ],
        )
        text = screen_text(app)
        assert "[bold red]boom[/]" in text
        assert "\\u001b[31mred" in text
        assert "[blink]RESULT[/blink]␛[1mloud␛[0m␍over␇" in text
        assert "\x1b" not in text and "\r" not in text and "\x07" not in text


# ---------------------------------------------------------------------------------------------
# Turns


async def test_calls_are_grouped_per_turn_with_a_header() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 50)) as pilot:
        await feed(pilot, [MessageAdded(Message(role="user", content="Weather in [b]Paris[/b]?\nThanks"))])
        await feed(pilot, streamed("m1", 0, "c1", "get_weather", "{}"))
        await feed(
            pilot, [ToolResultReady("c1", "get_weather", "ok", "sunny", 0.1, "t1"), TurnEnded("", "answered")]
        )
        await feed(pilot, [MessageAdded(Message(role="user", content="hello")), TurnEnded("hi", "answered")])
        await feed(pilot, [MessageAdded(Message(role="user", content="And Berlin?"))])
        await feed(pilot, streamed("m2", 0, "c2", "get_weather", "{}"))
        await feed(pilot, streamed("m2", 1, "c3", "get_time", "{}"))
        turns = app.sidebar.turns
        assert [t.number for t in turns] == [1, 3]  # turn 2 called no tools: no group
        assert [[c.call_id for c in t.cards] for t in turns] == [["c1"], ["c2", "c3"]]
        text = screen_text(app)
        assert "Turn 1 · Weather in [b]Paris[" in text  # cut to fit 40 columns
        assert "Turn 3 · And Berlin?" in text
        assert "1 call" in text and "2 calls" in text
        assert text.index("Turn 1") < text.index("sunny") < text.index("Turn 3")


async def test_turns_are_counted_without_user_messages_too() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, [TurnEnded("no tools", "answered")])
        await feed(pilot, streamed("m1", 0, "c1", "get_time", "{}"))
        await feed(pilot, [TurnEnded("", "answered")])
        assert [t.number for t in app.sidebar.turns] == [2]
        assert "Turn 2" in screen_text(app)


async def test_turn_end_marks_calls_without_a_result_stopped() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "slow", "{}"))
        await feed(pilot, [ToolExecutionStarted("c1", "slow")])
        await feed(pilot, [ToolCallStarted("m1", 1, "c2", "half"), ToolCallArgumentsDelta("c2", '{"a": ')])
        await feed(pilot, [TurnEnded("", "interrupted")])
        running, half = app.sidebar.cards
        assert running.status == "stopped" and half.status == "stopped"
        assert half.arguments_complete  # what arrived is shown as final
        text = screen_text(app)
        assert text.count("stopped") == 2
        assert "■" in text
        assert '{"a":' in text


async def test_other_events_are_ignored() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        await feed(
            pilot,
            [
                TextDelta("m1", "[bold]hello"),
                ResponseFinished("m1", "stop", None),
                MessageAdded(Message(role="assistant", content="")),
                TurnStarted(),
                ConversationChanged(Conversation()),
                TurnClosed(),
            ],
        )
        assert app.sidebar.cards == []
        assert "No tool calls yet" in screen_text(app)


async def test_old_turns_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ToolSidebar, "MAX_TURNS", 3)
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        for n in range(5):
            await feed(pilot, streamed(f"m{n}", 0, f"c{n}", "tick", "{}"))
            await feed(pilot, [TurnEnded("", "answered")])
        assert [t.number for t in app.sidebar.turns] == [3, 4, 5]
        assert app.sidebar.card("c0") is None
        assert len(app.sidebar.query(ToolCallCard)) == 3


# ---------------------------------------------------------------------------------------------
# Following the newest call


async def test_follows_new_calls_unless_the_user_scrolled_up() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 16)) as pilot:
        sidebar = app.sidebar
        for n in range(6):
            await feed(pilot, streamed("m1", n, f"c{n}", f"tool_{n}", f'{{"n": {n}}}'))
        assert sidebar.max_scroll_y > 0
        assert sidebar.scroll_y == sidebar.max_scroll_y
        assert "tool_5" in screen_text(app)

        sidebar.scroll_home(animate=False)
        await pilot.pause()
        await feed(pilot, streamed("m1", 6, "c6", "tool_6", "{}"))
        assert sidebar.scroll_y == 0  # reading older calls: not yanked down
        assert "tool_6" not in screen_text(app)

        await feed(pilot, [TurnEnded("", "answered")])
        await feed(pilot, streamed("m2", 0, "c7", "tool_7", "{}"))  # a new turn follows again
        await wait_for(pilot, lambda: sidebar.scroll_y == sidebar.max_scroll_y)
        assert "tool_7" in screen_text(app)


async def test_short_lists_start_at_the_top() -> None:
    app = SidebarApp()
    async with app.run_test(size=(40, 30)) as pilot:
        await feed(pilot, streamed("m1", 0, "c1", "get_time", "{}"))
        assert app.sidebar.scroll_y == 0
        first_line = screen_text(app).splitlines()[1]  # line 0 is the sidebar's top padding
        assert "Turn 1" in first_line


# ---------------------------------------------------------------------------------------------
# A reopened session


def scenario() -> tuple[list[ChatEvent], Conversation]:
    """Four turns, as live events and as the conversation the engine leaves behind."""
    conversation = Conversation()
    events: list[ChatEvent] = []

    def user(text: str) -> None:
        message = conversation.add(Message(role="user", content=text))
        events.append(MessageAdded(message))

    def tool_result(call: ToolCall, status: str, content: str, duration: float) -> None:
        message = conversation.add(
            Message(
                role="tool",
                content=content,
                tool_call_id=call.id,
                name=call.name,
                activity=ToolActivity(
                    status=status,  # type: ignore[arg-type]
                    duration=duration,
                    arguments=call.arguments,
                    error=content if status == "error" else None,
                ),
            )
        )
        if status != "refused":
            events.append(ToolExecutionStarted(call.id, call.name))
        events.append(ToolResultReady(call.id, call.name, status, content, duration, message.id))  # type: ignore[arg-type]

    # 1: two parallel calls, one fails.
    user("Weather in Paris and Berlin?")
    paris = ToolCall("c1", "get_weather", json.dumps({"city": "Paris"}))
    berlin = ToolCall("c2", "get_weather", json.dumps({"city": "Berlin", "days": 3}))
    m1 = conversation.add(Message(role="assistant", content=None, tool_calls=[paris, berlin]))
    a = streamed(m1.id, 0, paris.id, paris.name, paris.arguments)
    b = streamed(m1.id, 1, berlin.id, berlin.name, berlin.arguments)
    interleaved = [x for pair in zip_longest(a[1:-1], b[1:-1]) for x in pair if x is not None]
    events += [a[0], b[0], *interleaved, a[-1], b[-1]]
    tool_result(paris, "ok", json.dumps({"temp": 21, "sky": "clear"}), 0.42)
    tool_result(berlin, "error", "HTTP 500 from the weather service\nretry later", 1.5)
    conversation.add(Message(role="assistant", content="Paris is sunny."))
    events.append(TurnEnded("Paris is sunny.", "answered"))
    # 2: no tools.
    user("thanks")
    conversation.add(Message(role="assistant", content="You're welcome."))
    events.append(TurnEnded("You're welcome.", "answered"))
    # 3: a refused call, with a long result-less reply.
    user("Delete [bold]everything[/]")
    delete = ToolCall("c3", "run_shell", json.dumps({"command": "rm -rf /\u001b[0m"}))
    m3 = conversation.add(Message(role="assistant", content=None, tool_calls=[delete]))
    events += streamed(m3.id, 0, delete.id, delete.name, delete.arguments)
    tool_result(delete, "refused", "The user denied this tool call.", 0.0)
    conversation.add(Message(role="assistant", content="I won't."))
    events.append(TurnEnded("I won't.", "answered"))
    # 4: stopped while the arguments streamed.
    user("search for cats")
    partial = ToolCall("c4", "search", '{"q": "ca')
    conversation.add(Message(role="assistant", content=None, tool_calls=[partial], status="interrupted"))
    events += streamed("m4", 0, partial.id, partial.name, partial.arguments)[:-1]
    events.append(TurnEnded("", "interrupted"))
    return events, conversation


def sidebar_state(sidebar: ToolSidebar) -> list[Any]:
    return [
        (
            turn.number,
            turn.prompt,
            [(c.call_id, c.tool_name, c.status, c.arguments, c.duration, c.result) for c in turn.cards],
        )
        for turn in sidebar.turns
    ]


async def test_show_history_rebuilds_what_the_live_events_showed() -> None:
    events, conversation = scenario()
    live_app, history_app = SidebarApp(), SidebarApp()
    async with live_app.run_test(size=(40, 120)) as pilot:
        await feed(pilot, events)
        live_state = sidebar_state(live_app.sidebar)
        live_text = screen_text(live_app)
    async with history_app.run_test(size=(40, 120)) as pilot:
        history_app.sidebar.show_history(conversation)
        await pilot.pause()
        await pilot.pause()
        history_state = sidebar_state(history_app.sidebar)
        history_text = screen_text(history_app)

    assert [turn[0] for turn in live_state] == [1, 3, 4]
    assert [c[2] for turn in live_state for c in turn[2]] == ["ok", "error", "refused", "stopped"]
    assert history_state == live_state
    assert history_text == live_text


async def test_show_history_replaces_what_was_shown_and_numbering_continues() -> None:
    _, conversation = scenario()
    app = SidebarApp()
    async with app.run_test(size=(40, 60)) as pilot:
        await feed(pilot, streamed("mx", 0, "old", "old_tool", "{}"))
        app.sidebar.show_history(conversation)
        await pilot.pause()
        assert app.sidebar.card("old") is None
        assert "old_tool" not in screen_text(app)
        # The next live turn is numbered after the history's four.
        await feed(pilot, [MessageAdded(Message(role="user", content="more"))])
        await feed(pilot, streamed("m5", 0, "c5", "get_time", "{}"))
        assert app.sidebar.turns[-1].number == 5


async def test_show_history_later_builds_after_a_refresh_or_before_a_live_event() -> None:
    _, conversation = scenario()
    app = SidebarApp()
    async with app.run_test(size=(40, 60)) as pilot:
        await feed(pilot, streamed("mx", 0, "old", "old_tool", "{}"))
        app.sidebar.show_history_later(conversation)
        assert app.sidebar.card("old") is None  # cleared at once
        await pilot.pause()
        assert [c.call_id for c in app.sidebar.cards] == ["c1", "c2", "c3", "c4"]

        app.sidebar.show_history_later(conversation)
        # A live event before the refresh: the history is built first, numbering continues.
        app.sidebar.handle_event(MessageAdded(Message(role="user", content="more")))
        await feed(pilot, streamed("m5", 0, "c5", "get_time", "{}"))
        assert [t.number for t in app.sidebar.turns] == [1, 3, 4, 5]


async def test_show_history_before_the_sidebar_is_mounted() -> None:
    _, conversation = scenario()

    class EarlyApp(SidebarApp):
        def compose(self) -> ComposeResult:
            sidebar = ToolSidebar(clock=self.clock)
            sidebar.show_history(conversation)
            yield sidebar

    app = EarlyApp()
    async with app.run_test(size=(40, 120)) as pilot:
        await pilot.pause()
        assert [c.call_id for c in app.sidebar.cards] == ["c1", "c2", "c3", "c4"]
        text = screen_text(app)
        assert "Turn 1 · Weather in Paris an" in text
        assert "HTTP 500" in text


async def test_legacy_function_results_match_by_name() -> None:
    conversation = Conversation(
        messages=[
            Message(role="user", content="time?"),
            Message(role="assistant", content=None, tool_calls=[ToolCall("f1", "get_time", "{}")]),
            Message(role="function", name="get_time", content="12:00"),
        ]
    )
    app = SidebarApp()
    async with app.run_test(size=(40, 20)) as pilot:
        app.sidebar.show_history(conversation)
        await pilot.pause()
        (card,) = app.sidebar.cards
        assert card.status == "ok" and card.result == "12:00"


# ---------------------------------------------------------------------------------------------
# Snapshot


def test_sidebar_snapshot(snap_compare: Any) -> None:
    clock = FakeClock()
    app = SidebarApp(clock)

    async def run_before(pilot: Pilot[None]) -> None:
        events, _ = scenario()
        turn_4 = next(
            i
            for i, e in enumerate(events)
            if isinstance(e, MessageAdded) and e.message.content == "search for cats"
        )
        await feed(pilot, events[:turn_4])  # turns 1-3 finished
        await feed(pilot, [MessageAdded(Message(role="user", content="Now run the tests"))])
        failures = "Exit status 1\n" + "\n".join(f"FAILED tests/test_{i}.py" for i in range(12))
        await feed(pilot, streamed("m5", 0, "c5", "run_shell", '{"command": "pytest -q"}'))
        await feed(pilot, [ToolExecutionStarted("c5", "run_shell")])
        await feed(pilot, [ToolResultReady("c5", "run_shell", "error", failures, 12.5, "t5")])
        await feed(pilot, streamed("m5", 1, "c6", "read_file", '{"path": "README.md"}'))
        await feed(pilot, [ToolExecutionStarted("c6", "read_file")])
        clock.now += 2.0
        await feed(pilot, [ToolCallStarted("m5", 2, "c7", "write_file")])
        await feed(pilot, [ToolCallArgumentsDelta("c7", '{"path": "notes.txt", "content": "line one\\nline')])
        app.sidebar.scroll_end(animate=False)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(40, 60), run_before=run_before)


async def test_an_opened_sessions_folded_result_and_arguments_unfold_and_fold_again() -> None:
    # Folded parts of a card are built on first unfold: what they show must not change.
    long_result = "Exit status 1\n" + "\n".join(f"FAILED test_{i}" for i in range(20))
    arguments = json.dumps({f"key{i}": i for i in range(30)})
    conversation = Conversation(model="m")
    conversation.add(Message("user", "run the tests"))
    call = ToolCall("c1", "run", arguments)
    conversation.add(Message("assistant", "", tool_calls=[call]))
    activity = ToolActivity(status="error", duration=1.0)
    conversation.add(Message("tool", long_result, tool_call_id="c1", name="run", activity=activity))
    app = SidebarApp()
    async with app.run_test(size=(40, 60)) as pilot:
        app.sidebar.show_history(conversation)
        await pilot.pause()
        (card,) = app.sidebar.cards
        box = card.result_collapsible
        assert box is not None and box.collapsed
        text = screen_text(app)
        assert "error: Exit status 1" in text
        assert "FAILED test_5" not in text
        assert '"key29": 29' not in text
        for _ in range(2):
            await pilot.click(box.query_one(CollapsibleTitle))
            await wait_for(pilot, lambda: "FAILED test_19" in screen_text(app))
            assert "error · 21 lines" in screen_text(app)
            await pilot.click(box.query_one(CollapsibleTitle))
            await wait_for(pilot, lambda: "FAILED test_5" not in screen_text(app))
        await pilot.click(app.query_one(".tool-card-full-args-box CollapsibleTitle", CollapsibleTitle))
        await wait_for(pilot, lambda: '"key29": 29' in screen_text(app))
