"""When the app's garbage collector runs.

A full GC pass scans every live object, and a chat app keeps many (widgets of earlier replies,
their rendered lines): collections during streaming stalled frames for longer and longer as a
reply grew. Objects that survived sealed blocks or a finished turn are long-lived: after a
cheap young-generation collection they are frozen out of later scans. A full collection runs
when the user starts over (new chat / clear), where a pause is expected.
"""

from __future__ import annotations

import gc

from tui_chat import gc_pause


class GcPolicy:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled  # off in tests that check memory themselves

    def freeze_startup(self) -> None:
        """Everything built at start-up lives as long as the app: out of GC scans. The
        collector, off since `tui-chat` started (tui_chat/gc_pause.py), is on again."""
        if self.enabled:
            gc.freeze()
        gc_pause.resume()

    def freeze_long_lived(self) -> None:
        if self.enabled:
            gc.collect(1)
            gc.freeze()

    def collect_all(self) -> None:
        if self.enabled:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
