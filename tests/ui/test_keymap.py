"""The [keys] table: checked against the bindings, problems reported, remaps that work."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui_chat.ui.keymap import KeyParseError, binding_scopes, parse_key, parse_keys, resolve_keymap

APP: list[BindingType] = [
    Binding("escape", "stop", "Stop", id="stop"),
    Binding("escape", "focus_log", "Messages", id="focus_log"),
    Binding("ctrl+r", "regenerate", "Regenerate", id="regenerate"),
    Binding("ctrl+n", "new_chat", "New chat", id="new_chat"),
    Binding("ctrl+l", "clear", "Clear", id="clear"),
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
]
PROMPT: list[BindingType] = [
    Binding("enter", "send", "Send", id="send", priority=True),
    Binding("ctrl+j,shift+enter", "newline", "Newline", id="newline"),
]
LOG: list[BindingType] = [Binding("up,k", "prev_message", "Previous", id="prev_message")]
SCOPES = {"app": APP, "prompt": PROMPT, "log": LOG}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ctrl+o", "ctrl+o"),
        ("shift+ctrl+X", "ctrl+shift+x"),
        ("Control+K", "ctrl+k"),
        ("?", "question_mark"),
        ("ctrl+/", "ctrl+slash"),
        ("F5", "f5"),
        ("esc", "escape"),
        ("pgdn", "pagedown"),
        ("shift+a", "A"),
        ("+", "plus"),
        ("alt+enter", "alt+enter"),
    ],
)
def test_parse_key(text: str, key: str) -> None:
    assert parse_key(text) == key


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty key"),
        ("ctrl+shft+a", "unknown modifier 'shft'"),
        ("pgup2", "unknown key 'pgup2'"),
        ("ctrl+entr", "did you mean 'enter'?"),
        ("ctrl++", "write 'plus'"),
    ],
)
def test_parse_key_problems(text: str, problem: str) -> None:
    with pytest.raises(KeyParseError, match=problem.replace("?", r"\?").replace("+", r"\+")):
        parse_key(text)


def test_parse_keys_splits_and_deduplicates() -> None:
    assert parse_keys("ctrl+j, alt+enter,ctrl+j") == ["ctrl+j", "alt+enter"]


def test_good_keymap_is_normalised() -> None:
    keymap, problems = resolve_keymap({"new_chat": "ctrl+o", "newline": "ctrl+j, alt+enter"}, SCOPES)
    assert problems == []
    assert keymap == {"new_chat": "ctrl+o", "newline": "ctrl+j,alt+enter"}


def test_unknown_binding_and_bad_key_are_reported_and_dropped() -> None:
    keymap, problems = resolve_keymap({"sendd": "ctrl+s", "clear": "ctrl+shft+l", "quit": "ctrl+x"}, SCOPES)
    assert keymap == {"quit": "ctrl+x"}
    assert problems[0].startswith("[keys] sendd: no such binding (did you mean 'send'?); ignored")
    assert problems[1].startswith("[keys] clear = 'ctrl+shft+l': unknown modifier 'shft'")


def test_a_key_taken_in_the_same_scope_is_a_conflict() -> None:
    keymap, problems = resolve_keymap({"clear": "ctrl+r"}, SCOPES)
    assert keymap == {}
    assert problems == [
        "[keys] clear = 'ctrl+r': ctrl+r is already used by regenerate (app); ignored, "
        "clear keeps its default key"
    ]


def test_two_remaps_to_one_free_key_keep_the_first() -> None:
    keymap, problems = resolve_keymap({"clear": "f6", "new_chat": "f6"}, SCOPES)
    assert keymap == {"clear": "f6"}
    assert len(problems) == 1 and problems[0].startswith(
        "[keys] new_chat = 'f6': f6 is already used by clear"
    )


def test_swapping_two_keys_is_not_a_conflict() -> None:
    keymap, problems = resolve_keymap({"clear": "ctrl+n", "new_chat": "ctrl+l"}, SCOPES)
    assert problems == []
    assert keymap == {"clear": "ctrl+n", "new_chat": "ctrl+l"}


def test_giving_up_a_remap_can_expose_another_conflict() -> None:
    # clear cannot have ctrl+r, so it keeps ctrl+l, which new_chat then cannot take.
    keymap, problems = resolve_keymap({"clear": "ctrl+r", "new_chat": "ctrl+l"}, SCOPES)
    assert keymap == {}
    assert len(problems) == 2


def test_keys_shared_by_design_are_not_conflicts() -> None:
    # Escape is stop and focus_log by default; keeping it while adding a key is fine.
    keymap, problems = resolve_keymap({"stop": "escape,f5"}, SCOPES)
    assert problems == [] and keymap == {"stop": "escape,f5"}
    # The same key in different scopes is fine too.
    keymap, problems = resolve_keymap({"prev_message": "ctrl+n"}, SCOPES)
    assert problems == [] and keymap == {"prev_message": "ctrl+n"}


def test_aliases_count_as_the_same_key() -> None:
    _, problems = resolve_keymap({"newline": "ctrl+m"}, {"prompt": PROMPT})  # ctrl+m is enter
    assert len(problems) == 1 and "enter is already used by send" in problems[0]


class KeyApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = APP

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("keys")

    def action_new_chat(self) -> None:
        self.ran.append("new_chat")

    def action_clear(self) -> None:
        self.ran.append("clear")


def test_binding_scopes_merges_inherited_bindings() -> None:
    scopes = binding_scopes(KeyApp)
    actions = {b.action for b in scopes["KeyApp"]}
    assert {"new_chat", "clear", "help_quit"} <= actions  # help_quit comes from App


async def test_a_remapped_key_triggers_the_action() -> None:
    keymap, problems = resolve_keymap({"new_chat": "f6", "clear": "shift+ctrl+O"}, binding_scopes(KeyApp))
    assert problems == []
    app = KeyApp()
    async with app.run_test() as pilot:
        app.set_keymap(keymap)
        await pilot.press("ctrl+n")  # the old key no longer does it
        await pilot.press("f6")
        await pilot.press("ctrl+shift+o")
        await pilot.press("ctrl+l")
        await pilot.pause()
    assert app.ran == ["new_chat", "clear"]


async def test_apply_keys_in_init_sets_the_keymap() -> None:
    from tui_chat.ui.keymap import apply_keys

    class Configured(KeyApp):
        def __init__(self) -> None:
            super().__init__()
            self.problems = apply_keys(self, {"new_chat": "f7", "nope": "f8"}, binding_scopes(KeyApp))

    app = Configured()
    assert len(app.problems) == 1 and "nope" in app.problems[0]
    async with app.run_test() as pilot:
        await pilot.press("f7")
        await pilot.pause()
    assert app.ran == ["new_chat"]
