"""The footer: Textual's, but when the keys do not fit beside the palette key, the least
important ones are hidden (never cut in half under it). Every key still works; the palette
lists them all."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Most important first; actions not listed go after these, in their own order.
PRIORITY = (
    "send",
    "stop",
    "app.stop",
    "cancel_edit",
    "app.cancel_edit",
    "newline",
    "quit",
    "app.quit",
    "focus_log",
    "app.focus_log",
    # Only there for a selected message with versions: then they are what the user looks for.
    "app.prev_version",
    "app.next_version",
    "regenerate",
    "app.regenerate",
    "new_chat",
    "app.new_chat",
    "edit_last",
    "app.edit_last",
    "toggle_sidebar",
    "app.toggle_sidebar",
)


def _rank(action: str) -> int:
    return PRIORITY.index(action) if action in PRIORITY else len(PRIORITY)


class ChatFooter(Footer):
    _shown: tuple[object, ...] | None = None  # what the keys were made from (see `recompose`)

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_keys)

    def on_resize(self) -> None:
        self.fit_keys()

    async def recompose(self) -> None:
        """The bindings changed: new keys, fit them again. Textual recomposes the footer on
        every change of the bindings, also when the keys it shows stay the same (focus moving
        within the screen, a refresh of the bindings): each costs tens of milliseconds (right
        after the first frame, twice), so an unchanged set of keys is kept as it is."""
        shown = self._keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await super().recompose()
        self.fit_keys()

    def _keys_shown(self) -> tuple[object, ...]:
        if not self._bindings_ready:
            return ()
        palette = self.app.COMMAND_PALETTE_BINDING
        keys = [
            (key, binding.action, binding.description, binding.group, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        ]
        return (*keys, self.compact, self.show_command_palette)

    def fit_keys(self) -> None:
        keys = [key for key in self.query_children(FooterKey)]
        room = self.size.width
        shown: list[FooterKey] = []
        for key in keys:
            if key.has_class("-command-palette"):
                room -= self._width_of(key)
            else:
                shown.append(key)
        for key in sorted(shown, key=lambda k: _rank(k.action)):  # stable: ties keep their order
            width = self._width_of(key)
            key.display = width <= room
            if key.display:
                room -= width

    def _width_of(self, key: FooterKey) -> int:
        content = key.get_content_width(self.size, self.app.size)
        return content + key.styles.gutter.width + key.styles.margin.width
