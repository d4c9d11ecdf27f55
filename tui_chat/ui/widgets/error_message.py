"""A failed turn in the log: what went wrong (a title per error kind) and what to do next (a
hint naming the keys bound now). Not a conversation message."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.widgets.text import clean

_ERROR_TITLES = {
    "auth": "Authentication failed",
    "not_found": "Model or endpoint not found",
    "rate_limit": "Rate limited",
    "server": "The server had a problem",
    "connection": "Connection problem",
    "timeout": "The server stopped responding",
    "protocol": "Unexpected reply from the server",
    "cut_off": "The reply was cut off",
    "too_many_rounds": "Too many tool rounds",
    "bad_request": "The request was rejected",
    "context_length": "The conversation no longer fits the model's context",
    "config": "Not configured yet",
    "no_model": "No model chosen",
    "other": "Something went wrong",
}

# What to do next, in keys (the engine's message already says what went wrong and why).
# "{regenerate}" and friends become the keys currently bound to those actions.
_ERROR_HINTS = {
    "auth": "Once the key is fixed, {regenerate} sends the message again.",
    "not_found": "{switch_model} switches the model; {regenerate} retries.",
    "rate_limit": "{regenerate} retries.",
    "server": "{regenerate} retries.",
    "connection": "{regenerate} retries.",
    "timeout": "{regenerate} retries.",
    "protocol": "{regenerate} retries.",
    "cut_off": "The partial reply is kept: ask the model to continue, or {regenerate} to try again.",
    "too_many_rounds": "{tool_policies} changes tool policies; {regenerate} retries.",
    "bad_request": "{edit_last} edits your message; {switch_model} switches the model.",
    "context_length": "{compact} compacts it; {regenerate} retries.",
    "config": "",
    "no_model": "{switch_model} picks one of the server's models; {regenerate} then sends your message.",
    "other": "{regenerate} retries.",
}

DEFAULT_KEYS = {
    "compact": "f8",
    "regenerate": "ctrl+r",
    "switch_model": "f2",
    "tool_policies": "f4",
    "edit_last": "ctrl+g",
}


def _hint(app: object, kind: str) -> str:
    key_for = getattr(app, "key_for", None)
    keys = {
        name: (key_for(name) if callable(key_for) else "") or default
        for name, default in DEFAULT_KEYS.items()
    }
    return _ERROR_HINTS.get(kind, "").format(**keys)


class ErrorMessage(Static):
    """A failed turn: what went wrong and what to do next. Not a conversation message."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(classes="error-message", markup=False)
        self.kind = kind
        self.text = text
        self.set_class(kind == "cut_off", "-warning")

    @property
    def copy_text(self) -> str:
        return self.text

    def on_mount(self) -> None:
        title = _ERROR_TITLES.get(self.kind, _ERROR_TITLES["other"])
        hint = _hint(self.app, self.kind)
        text = clean(self.text)
        if text.lower().startswith(title.lower() + ": "):  # "The reply was cut off: ..." once
            text = text[len(title) + 2 :]
            text = text[:1].upper() + text[1:]
        parts: list[tuple[str, str] | str] = [(f"✗ {title}\n", "bold"), text]
        if hint and hint not in self.text:
            parts.append(("\n" + hint, "italic"))
        self.update(Content.assemble(*parts))
