"""What the app does when the context is full: the choice before a request that would not fit
(or after the server refused one as too long), compaction with its review, and a new chat that
starts from a summary. The prompt's text is never lost: it stays in the prompt until sent.

The summary itself is asked of the model by the engine (engine/compaction.py, imported on first
use like the dialogs: nothing here is on the first screen); this module only
sequences screens around it, in a worker of the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.engine.context_budget import ContextBudget, compact_count
from tui_chat.engine.conversation import Conversation, Message

if TYPE_CHECKING:
    from tui_chat.ui.app import ChatApp


def fits(app: ChatApp, text: str) -> bool:
    """Whether `text` can be sent now; if not, the choice opens (and may send it later)."""
    engine = app.controller.engine
    if engine is None:
        return True
    budget = engine.context_budget(app.conversation, pending=text)
    if not budget.overflows:
        return True
    app.run_worker(_choose_before_send(app, text, budget), group="context", exclusive=True)
    return False


def overflow_message(budget: ContextBudget) -> str:
    mark = "about " if budget.estimated else ""
    text = (
        f"This request needs {mark}{compact_count(budget.used)} tokens; the model's context holds "
        f"{compact_count(budget.window.tokens)} ({budget.window.source})."
    )
    if budget.window.truncates:
        text += (
            " This server does not refuse a request that is too long: it silently drops the oldest "
            "part of the conversation (Ollama's num_ctx)."
        )
    return text + " Your message stays in the prompt until it is sent."


async def _choose_before_send(app: ChatApp, text: str, budget: ContextBudget) -> None:
    from tui_chat.ui.screens.context_full import ContextFullScreen

    choice = await app.push_screen_wait(ContextFullScreen(overflow_message(budget)))
    if choice == "send":
        app.send(text, checked=True)
    elif choice in ("compact", "new_chat"):
        done = await (compact(app) if choice == "compact" else new_chat_from_summary(app))
        if done:
            app.send(text)


async def after_server_refused(app: ChatApp) -> None:
    """The server said the request does not fit: the same choices, for the message just sent."""
    from tui_chat.ui.screens.context_full import ContextFullScreen

    choice = await app.push_screen_wait(
        ContextFullScreen(
            "The server refused the request: the conversation no longer fits the model's context. "
            "Your message is kept.",
            send_label="Retry",
        )
    )
    controller = app.controller
    if choice == "send" or (choice == "compact" and await compact(app)):
        controller.regenerate()
    elif choice == "new_chat":
        last = controller.conversation.last("user")
        if last is not None and await new_chat_from_summary(app, leave_out_last_turn=True):
            app.send(last.content or "")


async def compact(app: ChatApp, *, automatic: bool = False) -> bool:
    """Summarise all before the last N turns, let the user review it, go on from it on a new
    branch. False when nothing changed (nothing to compact, a failure, cancelled)."""
    from tui_chat.engine import compaction
    from tui_chat.ui.screens.compaction import CompactionScreen

    controller = app.controller
    engine = controller.engine
    if engine is None or controller.busy:
        app.notify("Compaction waits until the reply has finished.", timeout=4)
        return False
    conversation = controller.conversation
    keep = app.settings.compact_keep_turns
    plan = compaction.plan(conversation, keep)
    if not plan.worthwhile:
        app.notify(f"Nothing to compact: the conversation has no more than the last {keep} turns.", timeout=5)
        return False
    summary = await _summarise(app, conversation, plan.older, automatic=automatic)
    if summary is None:
        return False
    edited = await app.push_screen_wait(
        CompactionScreen(summary, summarised=len(plan.older), kept=len(plan.kept))
    )
    if edited is None or controller.busy or controller.conversation is not conversation:
        return False
    compaction.apply(conversation, edited, plan.kept)
    controller.replace_path()
    app.notify("Compacted: the chat goes on from the summary. The originals are kept on the first branch.")
    return True


async def new_chat_from_summary(app: ChatApp, *, leave_out_last_turn: bool = False) -> bool:
    """A new chat whose first message is the summary of this one (this one stays as it is)."""
    from tui_chat.engine import compaction
    from tui_chat.ui.screens.compaction import CompactionScreen

    controller = app.controller
    old = controller.conversation
    if controller.engine is None or controller.busy or not old.messages:
        return False
    older = compaction.plan(old, 1).older if leave_out_last_turn else list(old.messages)
    if not older:
        return False
    summary = await _summarise(app, old, older)
    if summary is None:
        return False
    edited = await app.push_screen_wait(
        CompactionScreen(summary, summarised=len(older), kept=0, title="New chat from a summary")
    )
    if edited is None or controller.busy:
        return False
    fresh = Conversation(system_prompt=old.system_prompt, model=old.model)
    fresh.add(Message(role="user", content=f"{compaction.SUMMARY_HEADING}\n\n{edited}"))
    controller.open(fresh)
    controller.replace_path()  # saved at once: the summary is the new session's first message
    return True


async def _summarise(
    app: ChatApp, conversation: Conversation, older: list[Message], *, automatic: bool = False
) -> str | None:
    from tui_chat.engine import compaction

    engine = app.controller.engine
    assert engine is not None
    what = "The context is filling up: summarising" if automatic else "Summarising"
    app.notify(f"{what} the earlier conversation…", timeout=3)
    try:
        summary = await compaction.summarise(engine, conversation, older)
    except Exception as exc:
        from tui_chat.engine.errors import describe_error

        app.notify(f"Could not summarise: {describe_error(exc)[1]}", severity="error", timeout=8)
        return None
    if not summary:
        app.notify("The model returned an empty summary; nothing was changed.", severity="warning")
        return None
    return summary


def maybe_auto_compact(app: ChatApp) -> None:
    """After a turn: compact on its own once the context is past `[context] auto_compact_at`."""
    threshold = app.settings.auto_compact_at
    engine = app.controller.engine
    if threshold is None or engine is None or app.controller.busy:
        return
    fraction = engine.context_budget(app.conversation).fraction
    if fraction is not None and fraction >= threshold:
        app.run_worker(compact(app, automatic=True), group="context", exclusive=True)
