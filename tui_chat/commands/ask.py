"""`tui-chat ask [options] [PROMPT]`: one turn with the same engine as the app, headless.

Exit status: 0 answered, 1 API or connection error, 2 usage or configuration error (including
`--continue` with no saved session, or an unknown `--session` id), 3 reply cut off (length,
content filter, too many tool rounds), 130 interrupted.

Every turn is saved as a session (see ask_session.py) unless `--no-save`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from tui_chat.attachments.model import Attachment
from tui_chat.attachments.reading import AttachmentError, Limits, read_attachments
from tui_chat.commands.ask_mcp import ask_mcp_servers
from tui_chat.commands.ask_output import AskOutput, JsonLinesOutput, PlainOutput
from tui_chat.commands.ask_session import SessionUnavailable, open_session
from tui_chat.commands.common import add_connection_options, settings_from_args
from tui_chat.commands.exit_codes import EXIT_API_ERROR, EXIT_CUT_OFF, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from tui_chat.commands.session_options import add_session_options
from tui_chat.config import ConfigError, Settings
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.events import ErrorKind, Event, TurnEnded, TurnFailed

_CUT_OFF_KINDS: set[ErrorKind] = {"cut_off", "too_many_rounds"}


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "ask",
        help="run one turn headless and print the reply",
        description="Send PROMPT, stream the reply to stdout (tool activity and errors to stderr). "
        "Exit status: 0 answered, 1 API/connection error, 2 usage/configuration error, "
        "3 reply cut off, 130 interrupted.",
    )
    parser.add_argument(
        "prompt", nargs="?", metavar="PROMPT", help="the message; read from stdin when omitted or '-'"
    )
    add_connection_options(parser, subcommand=True)
    parser.add_argument(
        "--attach",
        "-a",
        dest="attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach a text file or an image (repeatable; '-' reads the file from stdin, "
        "then PROMPT must be given); '@' in PROMPT is plain text",
    )
    parser.add_argument(
        "--yes",
        "-y",
        dest="assume_yes",
        action="store_true",
        help="run tools whose policy is 'ask' without asking",
    )
    parser.add_argument(
        "--json", dest="json_lines", action="store_true", help="print JSON Lines events instead of text"
    )
    saving = add_session_options(parser, subcommand=True)
    saving.add_argument("--no-save", action="store_true", help="do not save this exchange as a session")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    output = make_output(args.json_lines, assume_yes=args.assume_yes)
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        output.failed(str(exc), "config")
        return EXIT_USAGE
    for warning in settings.warnings:
        output.warning(warning)
    if "-" in args.attach and (args.prompt is None or args.prompt == "-"):
        output.failed("-a - reads the file from stdin: pass PROMPT as an argument", "usage")
        return EXIT_USAGE
    try:
        attachments = read_attachments(args.attach, Limits.of(settings))
    except AttachmentError as exc:
        output.failed(f"cannot attach {exc}", "usage")
        return EXIT_USAGE
    prompt = read_prompt(args.prompt, sys.stdin)
    if not prompt:
        output.failed("no prompt: pass PROMPT or pipe it on stdin", "usage")
        return EXIT_USAGE
    try:
        session = open_session(
            settings,
            continue_last=getattr(args, "continue_last", False),
            session_id=getattr(args, "session_id", None),
            message_id=getattr(args, "message_id", None),
            save=not args.no_save,
            warn=output.warning,
        )
    except SessionUnavailable as exc:
        output.failed(str(exc), "usage")
        return EXIT_USAGE
    output.session_id = session.saved_id
    try:
        result = asyncio.run(
            run_ask(
                session.settings,
                prompt,
                output,
                attachments=attachments,
                assume_yes=args.assume_yes,
                conversation=session.conversation,
                on_event=session.handle,
                on_user_message=session.record_user_message,
            )
        )
    finally:
        saved = session.close()
    if saved and result.recorded:
        output.saved(session.conversation.id)
    return result.exit_code


def make_output(json_lines: bool, *, assume_yes: bool = False) -> AskOutput:
    # Looked up at call time so tests capturing sys.stdout see everything.
    if json_lines:
        return JsonLinesOutput(sys.stdout, sys.stderr)
    return PlainOutput(sys.stdout, sys.stderr, assume_yes=assume_yes)


def read_prompt(prompt: str | None, stdin: TextIO) -> str:
    if prompt is not None and prompt != "-":
        return prompt.strip()
    if stdin.isatty():
        print("Type the prompt, then Ctrl+D:", file=sys.stderr)
    return stdin.read().strip()


@dataclass
class AskResult:
    exit_code: int
    # The conversation as it stands after the turn, partial reply included (for saving).
    conversation: Conversation
    # True once the user message was added and handed to `on_user_message`.
    recorded: bool = False


async def run_ask(
    settings: Settings,
    prompt: str,
    output: AskOutput,
    *,
    attachments: list[Attachment] | None = None,
    assume_yes: bool = False,
    conversation: Conversation | None = None,
    on_event: Callable[[Event], None] | None = None,
    on_user_message: Callable[[Message], Awaitable[None]] | None = None,
) -> AskResult:
    """settings → client → tools → engine → one turn, shown through `output`.

    Appends the user message to `conversation` (a new one when None) and runs the turn. Never
    raises for API, configuration or interruption problems: they become the exit code. SIGINT
    cancels the turn (the engine keeps the partial reply, marked interrupted) and yields 130.
    `on_user_message` is awaited once the user message is in the conversation and before the
    request goes out (to commit it to the session store); `on_event` sees every engine event
    right after `output` showed it, e.g. to checkpoint the session."""
    from tui_chat.engine.providers import make_client  # the SDK import is slow; keep --help fast

    if conversation is None:
        conversation = Conversation(system_prompt=settings.system_prompt, model=settings.model)
    try:
        client = make_client(settings)
    except ConfigError as exc:
        output.failed(str(exc), "config")
        return AskResult(EXIT_USAGE, conversation)
    from tui_chat.engine.factory import build_engine

    setup = build_engine(settings, client=client)
    for problem in setup.problems:
        output.warning(problem)
    engine = setup.engine
    assert engine is not None  # a client was given
    # `@` in the prompt stays literal: files come only from --attach.
    user = conversation.add(Message(role="user", content=prompt, attachments=list(attachments or [])))
    turn_start = len(conversation.messages)
    if isinstance(output, JsonLinesOutput):
        output.context_of = lambda: engine.context_budget(conversation).to_json()

    async def confirm(call: ToolCall) -> bool:
        return assume_yes  # headless: nobody to ask

    async def consume() -> int:
        failure: ErrorKind | None = None
        async for event in engine.run_turn(conversation, confirm=confirm):
            output.event(event)
            if on_event is not None:
                on_event(event)  # after showing it: a checkpoint never holds text not yet shown
            if isinstance(event, TurnFailed):
                failure = event.kind
            elif isinstance(event, TurnEnded):
                return exit_code_for(event, failure)
        return EXIT_API_ERROR  # the engine always ends with TurnEnded; be safe if it did not

    async with client, ask_mcp_servers(settings, engine.tools, output.warning):
        if on_user_message is not None:
            await on_user_message(user)
        turn = asyncio.create_task(consume())
        with _cancel_on_sigint(turn):
            try:
                return AskResult(await turn, conversation, recorded=True)
            except asyncio.CancelledError:
                output.interrupted(_partial_reply(conversation.messages[turn_start:]))
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # we were cancelled from outside, not by our SIGINT handler
                return AskResult(EXIT_INTERRUPTED, conversation, recorded=True)


def exit_code_for(ended: TurnEnded, failure: ErrorKind | None) -> int:
    if ended.status == "answered":
        return EXIT_OK
    if ended.status == "interrupted":
        return EXIT_INTERRUPTED
    if failure == "no_model":
        return EXIT_USAGE  # a setting is missing: the message names it
    if ended.status == "cut_off" or failure in _CUT_OFF_KINDS:
        return EXIT_CUT_OFF
    return EXIT_API_ERROR


def _partial_reply(turn_messages: list[Message]) -> str:
    """The text of this turn's latest assistant message: what the user saw before stopping."""
    replies = [m for m in turn_messages if m.role == "assistant"]
    return (replies[-1].content or "") if replies else ""


@contextlib.contextmanager
def _cancel_on_sigint(task: asyncio.Task[Any]) -> Iterator[None]:
    """Ctrl+C cancels just the turn, so the engine can close the stream and keep the partial
    reply; without this asyncio.run would tear everything down with KeyboardInterrupt."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
