"""The config file's [keys] table: binding id → key(s), checked before `App.set_keymap`.

    [keys]
    new_chat = "ctrl+o"
    newline = "ctrl+j,alt+enter"

`resolve_keymap` returns the keymap to apply (keys normalised to the names Textual's key events
use: "?" → "question_mark", "shift+ctrl+x" → "ctrl+shift+x") and one problem line for each
entry it leaves out: an unknown binding id, a key that is not a key, or a key another action
already uses in the same scope (the bindings that are active together: the app's, the
prompt's, the chat log's). A conflict is only reported when the keymap creates it; bindings
that share a key by design (Escape: stop / cancel edit / focus log) are left alone.

Integration (the app, in __init__):

    self.problems += apply_keys(
        self, self.settings.keys, {"app": APP_BINDINGS, "prompt": PROMPT_BINDINGS, "log": LOG_BINDINGS}
    )
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys, _character_to_key

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""In the order Textual writes them in key names (alphabetical): "ctrl+shift+up"."""


@functools.cache
def named_keys() -> frozenset[str]:
    """Key names longer than one character that Textual can report ("enter", "f5", "pageup",
    "question_mark", ...). Worked out when a [keys] table is first read, not at import."""
    names: set[str] = set()
    for key in Keys:
        value = key.value
        if not value.startswith("<"):
            names.add(value.rsplit("+", 1)[-1])
    names.update(FUNCTIONAL_KEYS.values())
    names.update(KEY_TO_UNICODE_NAME)
    names.update(KEY_NAME_REPLACEMENTS.values())
    for code in range(33, 127):  # printable ASCII by name: "comma", "full_stop", "slash", ...
        names.add(_character_to_key(chr(code)))
    for aliases in KEY_ALIASES.values():
        names.update(alias.rsplit("+", 1)[-1] for alias in aliases)
    names.discard("")
    return frozenset(name for name in names if len(name) > 1)


# Names people write that Textual spells differently (the footer shows some of these).
_FRIENDLY_KEYS = {
    "esc": "escape",
    "return": "enter",
    "pgup": "pageup",
    "pgdn": "pagedown",
    "del": "delete",
    "ins": "insert",
    "bksp": "backspace",
}
_FRIENDLY_MODIFIERS = {"control": "ctrl", "option": "alt", "opt": "alt", "cmd": "super", "command": "super"}

# "ctrl+i" and "tab" are the same key to Textual (and so on): compare keys by their main name.
_CANONICAL = {alias: key for key, aliases in KEY_ALIASES.items() for alias in aliases}


class KeyParseError(ValueError):
    pass


def parse_key(text: str) -> str:
    """One key as Textual names it ("ctrl+shift+x", "question_mark", "f5"), or KeyParseError."""
    raw = text.strip()
    if not raw:
        raise KeyParseError("empty key")
    if raw == "+":
        return "plus"
    *mods, base = raw.split("+")
    if not base:
        raise KeyParseError(f"{raw!r} ends with '+' (write 'plus' for the + key)")
    modifiers: set[str] = set()
    for mod in mods:
        name = mod.strip().lower()
        name = _FRIENDLY_MODIFIERS.get(name, name)
        if name not in MODIFIERS:
            raise KeyParseError(f"unknown modifier {mod.strip()!r} in {raw!r} (use {', '.join(MODIFIERS)})")
        modifiers.add(name)
    base = base.strip()
    if len(base) == 1:
        base = _character_to_key(base)
    else:
        lowered = _FRIENDLY_KEYS.get(base.lower(), base.lower())
        if lowered not in named_keys():
            hint = difflib.get_close_matches(lowered, sorted(named_keys()), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise KeyParseError(f"unknown key {base!r} in {raw!r}{suggestion}")
        base = lowered
    if len(base) == 1 and base.isalpha() and modifiers:
        if modifiers == {"shift"}:
            return base.upper()  # Textual reports shift+a as "A"
        base = base.lower()  # and ctrl+shift+a with a lower-case letter
    return "+".join([*sorted(modifiers), base])


def parse_keys(text: str) -> list[str]:
    """A comma-separated list of keys, normalised, without duplicates."""
    if not text.strip():
        raise KeyParseError("no key given")
    out: list[str] = []
    for part in text.split(","):
        key = parse_key(part)
        if key not in out:
            out.append(key)
    return out


def _same_key(key: str) -> str:
    return _CANONICAL.get(key, key)


@dataclass(frozen=True)
class _Bound:
    scope: str
    binding_id: str | None
    action: str
    keys: tuple[str, ...]  # the default keys, canonical

    @property
    def label(self) -> str:
        return self.binding_id or self.action


def _collect(bindings: Mapping[str, Iterable[BindingType]]) -> list[_Bound]:
    """One entry per (scope, binding id or action) with its default keys."""
    grouped: dict[tuple[str, str | None, str], list[str]] = {}
    for scope, scope_bindings in bindings.items():
        for binding in Binding.make_bindings(scope_bindings):
            try:
                key = _same_key(parse_key(binding.key))
            except KeyParseError:
                key = binding.key
            grouped.setdefault((scope, binding.id, binding.action), []).append(key)
    return [_Bound(scope, bid, action, tuple(keys)) for (scope, bid, action), keys in grouped.items()]


def resolve_keymap(
    keys: Mapping[str, str], bindings: Mapping[str, Iterable[BindingType]]
) -> tuple[dict[str, str], list[str]]:
    """Check the [keys] table against the app's bindings (scope name → that scope's BINDINGS).
    Returns the keymap to give `App.set_keymap` and the problems, one line each."""
    bound = _collect(bindings)
    known_ids = sorted({b.binding_id for b in bound if b.binding_id})
    problems: list[str] = []
    wanted: dict[str, list[str]] = {}

    for binding_id, value in keys.items():
        if binding_id not in known_ids:
            close = difflib.get_close_matches(binding_id, known_ids, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"[keys] {binding_id}: no such binding{hint}; ignored. Bindings: {', '.join(known_ids)}"
            )
            continue
        if not isinstance(value, str):
            problems.append(f'[keys] {binding_id}: must be a string such as "ctrl+o"; ignored')
            continue
        try:
            wanted[binding_id] = parse_keys(value)
        except KeyParseError as exc:
            problems.append(f"[keys] {binding_id} = {value!r}: {exc}; ignored")

    order = list(wanted)
    while True:
        dropped = _drop_conflicts(bound, wanted, order, problems)
        if not dropped:
            break
        for binding_id in dropped:
            del wanted[binding_id]

    return {binding_id: ",".join(keys) for binding_id, keys in wanted.items()}, problems


def _drop_conflicts(
    bound: list[_Bound], wanted: dict[str, list[str]], order: list[str], problems: list[str]
) -> set[str]:
    """The remapped binding ids to give up this round (problems appended)."""
    users: dict[tuple[str, str], list[tuple[_Bound, bool]]] = {}  # (scope, key) → (binding, new?)
    for b in bound:
        remapped = b.binding_id is not None and b.binding_id in wanted
        current = [_same_key(k) for k in wanted[b.binding_id]] if remapped and b.binding_id else list(b.keys)
        for key in current:
            users.setdefault((b.scope, key), []).append((b, remapped and key not in b.keys))

    dropped: set[str] = set()
    for (scope, key), entries in users.items():
        if not any(new for _, new in entries):
            continue  # shared by design (defaults), or a remapped binding kept its default key
        if len({b.action for b, _ in entries}) < 2:
            continue
        newcomers = sorted(
            {b.binding_id for b, new in entries if new and b.binding_id},
            key=order.index,
        )
        # The key already belongs to another action: every newcomer loses. Two remapped actions
        # on a free key: the first listed keeps it.
        losers = newcomers if any(not new for _, new in entries) else newcomers[1:]
        for loser in losers:
            if loser in dropped:
                continue
            others = sorted({b.label for b, _ in entries if b.binding_id != loser})
            problems.append(
                f"[keys] {loser} = {','.join(wanted[loser])!r}: {key} is already used by "
                f"{', '.join(others)} ({scope}); ignored, {loser} keeps its default key"
            )
            dropped.add(loser)
    return dropped


def apply_keys(
    app: App[Any], keys: Mapping[str, str], bindings: Mapping[str, Iterable[BindingType]]
) -> list[str]:
    """Check the [keys] table (see resolve_keymap), give the app the good part with
    `App.set_keymap`, and return the problems to show. Safe to call in `App.__init__`."""
    keymap, problems = resolve_keymap(keys, bindings)
    app.set_keymap(keymap)
    return problems


def binding_scopes(*nodes: type[DOMNode]) -> dict[str, list[Binding]]:
    """Scope name (the class name) → the bindings a DOM node class has, including inherited
    ones, as Textual merges them (a subclass's binding replaces its base's for the same key)."""
    scopes: dict[str, list[Binding]] = {}
    for node in nodes:
        keys: dict[str, list[Binding]] = {}
        for base in reversed(node.__mro__):
            if isinstance(base, type) and issubclass(base, DOMNode):
                if not base._inherit_bindings:
                    keys.clear()
                per_key: dict[str, list[Binding]] = {}
                for binding in Binding.make_bindings(base.__dict__.get("BINDINGS", [])):
                    per_key.setdefault(binding.key, []).append(binding)
                keys.update(per_key)
        scopes[node.__name__] = [binding for group in keys.values() for binding in group]
    return scopes
