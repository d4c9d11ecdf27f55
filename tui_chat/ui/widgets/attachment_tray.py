"""Above the prompt: the `@` file picker and the chips of the files taken for the next message.

The prompt keeps focus while the picker is open; it hands the picker its keys (`prompt_key`)
and its text (`prompt_changed`): `@` at a word start opens it, the text after `@` filters it,
enter/tab take the highlighted file (the `@query` is removed and a chip appears), esc closes
it and leaves the `@` as typed. Files are read when taken, within the limits; a file that
cannot attach is an error chip, and the app sends nothing while one is there. A chip is
removed by clicking it, or by focusing it (tab) and pressing delete or backspace.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import OptionList, Static, TextArea

from tui_chat.attachments.fuzzy import Scored, best
from tui_chat.attachments.model import Attachment, human_size
from tui_chat.attachments.reading import AttachmentError, Limits, check_message_total, read_attachment

# `@` at the start of a word, and what is typed after it up to the cursor.
_TOKEN = re.compile(r"(?:^|\s)@([^\s@]*)$")
# `@path` anywhere in a message (typed or pasted): attached when the path is a file.
AT_PATH = re.compile(r"(?:^|(?<=\s))@([^\s@]+)")
if TYPE_CHECKING:
    from tui_chat.attachments.scanner import BackgroundScan

SHOWN = 12
REFRESH_SECONDS = 0.2


class AttachmentChip(Static, can_focus=True):
    BINDINGS = [Binding("delete,backspace", "remove", "Remove", id="remove_attachment")]

    def __init__(self, text: str, index: int, *, error: bool) -> None:
        super().__init__(text, classes="attachment-chip -error" if error else "attachment-chip")
        self.index = index
        self.error = error

    def show(self, text: str, index: int, *, error: bool) -> None:
        self.update(text)
        self.index, self.error = index, error
        self.set_class(error, "-error")

    def on_click(self) -> None:
        self.action_remove()

    def action_remove(self) -> None:
        tray = next(a for a in self.ancestors if isinstance(a, AttachmentTray))
        tray.discard(self.index, error=self.error)


class AttachmentTray(Vertical):
    DEFAULT_CSS = """
    AttachmentTray { height: auto; }
    AttachmentTray #picker { display: none; height: auto; max-height: 14; border: round $accent; }
    AttachmentTray.-picking #picker { display: block; }
    AttachmentTray #chips { height: auto; }
    AttachmentChip { width: auto; height: 1; margin: 0 1 0 0; padding: 0 1; background: $boost; }
    AttachmentChip:focus { background: $accent; }
    AttachmentChip.-error { color: $error; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.root = Path.cwd()
        self.limits = Limits()
        self.pending: list[Attachment] = []
        self.errors: list[str] = []
        self.query_text: str | None = None  # None: the picker is closed
        self._token_start = -1  # where the `@` is on its line (the one esc dismissed stays text)
        self._dismissed: tuple[int, int] | None = None
        self._scan: BackgroundScan | None = None
        self._shown: list[str] = []
        self._timer: Timer | None = None
        self._complete = False  # the picker shows matches from the whole (finished) scan
        # The last ranking (for `_ranked_query`, over the first `_ranked_upto` files found).
        self._rank_lock = threading.Lock()
        self._ranked_query: str | None = None
        self._ranked: list[Scored] = []
        self._ranked_upto = 0
        self._first_shown = False
        self._chips: list[AttachmentChip] = []  # on screen, in order (not those being removed)

    def compose(self) -> ComposeResult:
        # The picker's list is mounted on the first `@` (see `picker`): an OptionList's styles
        # take about 10 ms to parse, which the first frame would wait for.
        yield Horizontal(id="chips")

    def configure(self, root: Path, limits: Limits) -> None:
        self.root, self.limits = root, limits

    @property
    def picking(self) -> bool:
        return self.query_text is not None

    @property
    def picker(self) -> OptionList:
        """The picker's list, mounted (above the chips) when first needed."""
        found = self.query_children("#picker")
        if found:
            return found.only_one(OptionList)
        picker = OptionList(id="picker")
        self.mount(picker, before=0)
        return picker

    # -- the prompt's hooks ----------------------------------------------------------------------

    def prompt_changed(self, prompt: TextArea) -> None:
        row, column = prompt.cursor_location
        before = prompt.document.get_line(row)[:column]
        found = _TOKEN.search(before)
        if found is None:
            self.close()
            return
        start = found.end() - len(found.group(1)) - 1
        if self._dismissed == (row, start):
            return
        self._token_start = start
        self.open(found.group(1))

    def prompt_key(self, key: str, prompt: TextArea) -> bool:
        """True when the picker took the key (the prompt then ignores it)."""
        if not self.picking:
            return False
        if key in ("enter", "tab"):
            highlighted = self.picker.highlighted
            if highlighted is None or not self._shown:
                self.close()
                return key == "tab"
            self.take(self._shown[highlighted], prompt)
            return True
        if key == "escape":
            self._dismissed = (prompt.cursor_location[0], self._token_start)
            self.close()
            return True
        if key in ("up", "down"):
            self.picker.action_cursor_up() if key == "up" else self.picker.action_cursor_down()
            return True
        return False

    # -- the picker ------------------------------------------------------------------------------

    def open(self, query: str) -> None:
        first = self.query_text is None
        if query != self.query_text:
            self._complete = False
        self.query_text = query
        _ = self.picker  # mounted (the first time) before it is shown
        self.add_class("-picking")
        if self._scan is None or self._scan.root != self.root:
            # Imported on the first `@`: its .gitignore library is not needed to start the app.
            from tui_chat.attachments.scanner import BackgroundScan

            self._scan = BackgroundScan(self.root, on_batch=self._first_batch).start()
            self._ranked_query = None
        if first:
            self._timer = self.set_interval(REFRESH_SECONDS, self._refresh_while_scanning)
        self._rank()

    def close(self) -> None:
        if self.query_text is None:
            return
        self.query_text = None
        self.remove_class("-picking")
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _first_batch(self) -> None:
        # In the scan thread: show the first names now rather than at the next refresh.
        scan = self._scan
        if scan is not None and not self._first_shown:
            self._first_shown = True
            with contextlib.suppress(RuntimeError):  # the app has gone
                self.app.call_from_thread(self._rank)

    def _refresh_while_scanning(self) -> None:
        if not self._complete:  # until a list from the finished scan is on screen
            self._rank()

    @work(thread=True, group="picker-rank")
    def _rank(self) -> None:
        # Ranking 100,000 paths takes a while: in a thread, so keys never wait for it. Only
        # the files found since the last ranking of the same query are scored; a ranking a
        # newer query made stale stops at once (a thread cannot be cancelled from outside).
        scan, query = self._scan, self.query_text
        if scan is None or query is None:
            return
        with self._rank_lock:
            if query != self.query_text:
                return
            done = scan.done.is_set()
            same = query == self._ranked_query
            start = self._ranked_upto if same else 0
            files = scan.files[start:]
            keep = self._ranked if same else []
            found = best(query, files, SHOWN, keep=keep, stale=lambda: query != self.query_text)
            if query != self.query_text:
                return
            self._ranked_query, self._ranked, self._ranked_upto = query, found, start + len(files)
        self.app.call_from_thread(self._show, query, [path for _, _, path in found], done)

    def _show(self, query: str, matches: list[str], done: bool) -> None:
        if query != self.query_text:
            return
        self._shown = matches
        self._complete = done
        picker = self.picker
        picker.clear_options()
        picker.add_options(matches)
        if matches:
            picker.highlighted = 0
        state = "" if done else f"  (scanning… {len(self._scan.files) if self._scan else 0} files)"
        picker.border_title = f"@{query}{state}"

    def take(self, path: str, prompt: TextArea) -> None:
        row, column = prompt.cursor_location
        prompt.replace("", (row, self._token_start), (row, column))
        self.close()
        self.attach(path)

    # -- chips -----------------------------------------------------------------------------------

    def attach(self, path: str) -> bool:
        """Read `path` (relative to the working directory) into a chip; False on an error chip."""
        try:
            attachment = read_attachment(path, self.limits, cwd=self.root)
            check_message_total([*self.pending, attachment], self.limits)
        except AttachmentError as exc:
            self.errors.append(str(exc))
            self._render_chips()
            return False
        if all(a.sha256 != attachment.sha256 or a.name != attachment.name for a in self.pending):
            self.pending.append(attachment)
        self._render_chips()
        return True

    def discard(self, index: int, *, error: bool = False) -> None:
        listed: list[object] = self.errors if error else self.pending  # type: ignore[assignment]
        if 0 <= index < len(listed):
            del listed[index]
        self._render_chips()

    def take_all(self) -> list[Attachment]:
        """The attachments for the message being sent; the tray empties."""
        taken, self.pending = self.pending, []
        self._render_chips()
        return taken

    def show(self, attachments: list[Attachment]) -> None:
        """Chips for `attachments` (an edited message's, back in the prompt)."""
        self.pending, self.errors = list(attachments), []
        self._render_chips()

    def _render_chips(self) -> None:
        # Update the chips in place: removing and re-mounting all of them leaves, for a moment,
        # the old chips (being removed) beside the new ones, and a click there would be lost.
        wanted = [
            (f"{a.name} · {human_size(a.size)} · {a.kind} ✕", i, False) for i, a in enumerate(self.pending)
        ]
        wanted += [(f"⚠ {text} ✕", i, True) for i, text in enumerate(self.errors)]
        live = self._chips
        for chip, (text, index, error) in zip(live, wanted, strict=False):
            chip.show(text, index, error=error)
        if len(live) > len(wanted):
            surplus, self._chips = live[len(wanted) :], live[: len(wanted)]
            self.query_one("#chips", Horizontal).remove_children(surplus)
        elif len(wanted) > len(live):
            added = [AttachmentChip(text, index, error=error) for text, index, error in wanted[len(live) :]]
            self._chips = live + added
            self.query_one("#chips", Horizontal).mount_all(added)
