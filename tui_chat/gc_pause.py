"""The garbage collector is off while the program starts.

Start-up allocates hundreds of thousands of objects that live as long as the process (modules,
classes, the app's widgets), and the collector's passes over them found almost nothing to free
(about 1,700 unreachable objects at the app's first frame) while costing about 80 ms more than
a bare Textual app's before that frame. `tui_chat.cli.main` pauses collection before it imports
anything; the app resumes it once its first frame is up, after freezing what start-up built out
of later passes (ui/gc_policy.py); every other command resumes it once its parser is built; and
`main` resumes it on every way out.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off, if it is on (a no-op when someone else turned it off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Turn the collector back on if `pause` turned it off."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()
