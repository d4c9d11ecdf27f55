"""The multi-line prompt at the bottom: Enter sends, Ctrl+J (or Shift+Enter) adds a line."""

from __future__ import annotations

from typing import Protocol

from textual import events
from textual.message import Message as TextualMessage
from textual.strip import Strip
from textual.widgets import TextArea

from tui_chat.ui.bindings import PROMPT_BINDINGS

PLACEHOLDER = "Message the model…  (enter sends, ctrl+j new line, ctrl+p commands)"


class Completer(Protocol):
    """Sees the prompt's text and may take its keys first (the `@` file picker)."""

    def prompt_changed(self, prompt: TextArea) -> None: ...
    def prompt_key(self, key: str, prompt: TextArea) -> bool: ...


class PromptInput(TextArea):
    BINDINGS = PROMPT_BINDINGS

    class Submitted(TextualMessage):
        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    class RecallRequested(TextualMessage):
        """Up in an empty prompt: the user wants the last message back to edit it."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=PLACEHOLDER,
            compact=True,
            **kwargs,  # type: ignore[arg-type]
        )
        self.busy = False  # a reply is streaming: Enter queues (the app decides), up recalls
        self.completer: Completer | None = None

    async def _on_key(self, event: events.Key) -> None:
        if self.completer is not None and self.completer.prompt_key(event.key, self):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.completer is not None and event.text_area is self:
            self.completer.prompt_changed(self)

    def render_line(self, y: int) -> Strip:
        # With no room for text (a layout squeezed to nothing) TextArea fails wrapping its
        # placeholder to width 0 and takes the app down: draw blank until there is room.
        if self.content_size.width < 1:
            return Strip.blank(self.size.width, self.rich_style)
        return super().render_line(y)

    def action_send(self) -> None:
        # A priority binding runs in the app's task, before this widget has handled the keys
        # typed just before Enter (a fast typist, a paste, tmux send-keys). Queue the send
        # behind them so it reads the complete text.
        self.call_later(self._send_now)

    def _send_now(self) -> None:
        if self.completer is not None and self.completer.prompt_key("enter", self):
            return  # enter took the picker's file
        text = self.text
        if not text.strip():
            return
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)

    def action_recall(self) -> None:
        if not self.text:  # the last message to edit, or (streaming) the queued one back
            self.post_message(self.RecallRequested())
        else:
            self.action_cursor_up()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_bindings()
