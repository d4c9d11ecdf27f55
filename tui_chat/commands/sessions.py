"""`tui-chat sessions`, `tui-chat export` and `tui-chat import`: saved sessions from the shell.

Exit status, as for `tui-chat ask`: 0 done, 2 usage (a bad option, an unknown or ambiguous
session id, an unreadable or invalid import file, an export file that exists), 1 the store or
writing failed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_chat.commands.exit_codes import EXIT_OK, EXIT_USAGE
from tui_chat.store import SearchHit, SessionStore, SessionSummary, StoreError
from tui_chat.store.errors import SessionNotFound
from tui_chat.store.export import AlreadyImported, ImportFailed, import_json, to_json, to_markdown

EXIT_FAILED = 1  # the store or a write failed
SHORT_ID = 8
_BOLD_MATCH = ("\x1b[1;7m", "\x1b[0m")
_PLAIN_MATCH = ("**", "**")
OTHER_BRANCH = "other branch, message"


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    listing = sub.add_parser(
        "sessions",
        help="list or search saved sessions",
        description="List saved sessions, most recently used first, or search all their messages.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument("--all", action="store_true", help="include archived sessions")
    listing.add_argument("--search", metavar="QUERY", help="full-text search over titles and messages")
    listing.add_argument("--limit", type=int, metavar="N", help="show at most N sessions")
    listing.add_argument(
        "--endpoint", metavar="NAME", help="only the sessions on this endpoint (not with --search)"
    )
    listing.set_defaults(func=run_sessions)

    export = sub.add_parser(
        "export",
        help="export a session as Markdown or JSON",
        description="Print a saved session as a Markdown transcript or as JSON that `tui-chat import` "
        "reads back. ID may be a unique prefix.",
    )
    export.add_argument("session_id", metavar="ID")
    export.add_argument(
        "--message",
        metavar="MSG",
        dest="message_id",
        help="the branch holding message MSG (a search hit; a unique prefix will do) instead of "
        "the one the session shows; the session itself is left as it is",
    )
    export.add_argument("--format", choices=["md", "json"], default="md", help="default: md")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(func=run_export)

    importer = sub.add_parser(
        "import",
        help="import a session exported as JSON",
        description="Add a session from a `tui-chat export --format json` file ('-' reads stdin). "
        "A session that is already there is not imported again (--copy adds it with a new id); "
        "nothing is ever overwritten.",
    )
    importer.add_argument("file", metavar="FILE")
    importer.add_argument(
        "--copy", action="store_true", help="import it even if already imported, as a new session"
    )
    importer.set_defaults(func=run_import)


def _reporting_store_errors(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Store failures become one line and exit 1; an unknown or ambiguous id exits 2, as `ask
    --session` does."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except SessionNotFound as exc:
            _error(f"{exc} (`tui-chat sessions` lists them)")
            return EXIT_USAGE
        except StoreError as exc:
            _error(str(exc))
            return EXIT_FAILED

    return wrapper


def _open_store() -> SessionStore:
    store = SessionStore.open()
    if store.warning:
        print(f"tui-chat: warning: {store.warning}", file=sys.stderr)
    return store


# -- sessions ------------------------------------------------------------------------------


@_reporting_store_errors
def run_sessions(args: argparse.Namespace) -> int:
    with _open_store() as store:
        if args.search is not None:
            hits = store.search(args.search, include_archived=args.all, limit=args.limit or 50, branches=True)
            _print_hits(hits, as_json=args.json)
        else:
            endpoint = getattr(args, "endpoint", None)
            found = store.list_sessions(include_archived=args.all, limit=None if endpoint else args.limit)
            if endpoint:  # sessions saved before endpoints (None) were on the flat "default"
                found = [s for s in found if (s.endpoint or "default") == endpoint][: args.limit]
            _print_sessions(found, as_json=args.json, tokens=store.token_totals() if args.json else {})
    return EXIT_OK


def _print_sessions(
    found: list[SessionSummary], *, as_json: bool, tokens: dict[str, tuple[int, int]] | None = None
) -> None:
    if as_json:
        listed = []
        for s in found:
            prompt, completion = (tokens or {}).get(s.id, (0, 0))
            # What the server reported over every branch (none for a server without usage).
            listed.append({**_summary_json(s), "tokens": {"prompt": prompt, "completion": completion}})
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    if not found:
        print("No saved sessions yet.")
        return
    # The endpoint column appears once any session names one (named endpoints are in use).
    with_endpoint = any(s.endpoint for s in found)
    rows = [
        (
            s.id[:SHORT_ID],
            _when(s.updated),
            str(s.message_count),
            *([s.endpoint or "default"] if with_endpoint else []),
            s.model or "",
            (s.title or "(untitled)") + (" [archived]" if s.archived else ""),
        )
        for s in found
    ]
    headers = ("ID", "LAST USED", "MSGS", *(["ENDPOINT"] if with_endpoint else []), "MODEL", "TITLE")
    _print_table(headers, rows, right_aligned={2})


def _print_hits(hits: list[SearchHit], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps([_hit_json(h) for h in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        print("No matches.")
        return
    start, end = _BOLD_MATCH if _color_allowed() else _PLAIN_MATCH
    for hit in hits:
        print(f"{hit.session_id[:SHORT_ID]}  {hit.title or '(untitled)'}")
        if hit.message_id is not None:
            snippet = " ".join(hit.highlighted(start, end).split())
            where = f" [{OTHER_BRANCH} {hit.message_id[:SHORT_ID]}]" if hit.other_branch else ""
            print(f"{'':{SHORT_ID}}  {hit.role}{where}: {snippet}")
    if any(hit.other_branch for hit in hits):
        print(
            f"\n[{OTHER_BRANCH} MSG]: not on the branch the session shows; "
            "`tui-chat --session ID --message MSG` opens that branch, "
            "`tui-chat export ID --message MSG` exports it."
        )


def _summary_json(s: SessionSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "model": s.model,
        "provider": s.provider,
        "endpoint": s.endpoint,
        "message_count": s.message_count,
        "created": _iso(s.created),
        "updated": _iso(s.updated),
        "archived": s.archived,
        # A fork: the session and message it was made from.
        "origin": {"session": s.origin_session, "message": s.origin_message} if s.origin_session else None,
    }


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    matches, offset = [], 0
    for text, is_match in hit.segments():
        if is_match:
            matches.append([offset, offset + len(text)])
        offset += len(text)
    return {
        "session_id": hit.session_id,
        "title": hit.title,
        "updated": _iso(hit.updated),
        "archived": hit.archived,
        "message_id": hit.message_id,
        "role": hit.role,
        # The message is on another branch than the one the session shows (as `message_id`
        # with `tui-chat --session` / `export --message` opens / exports that branch).
        "other_branch": hit.other_branch,
        "snippet": hit.text,
        "matches": matches,  # [start, end) character offsets into snippet
    }


def _print_table(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], *, right_aligned: set[int]
) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right_aligned else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())


# -- export --------------------------------------------------------------------------------


@_reporting_store_errors
def run_export(args: argparse.Namespace) -> int:
    with _open_store() as store:
        message_id = getattr(args, "message_id", None)
        if message_id:
            session_id = store.resolve_id(args.session_id)
            message_id = store.resolve_message_id(session_id, message_id)
            conversation = store.load_branch(session_id, message_id, make_current=False)
        else:
            conversation = store.load(args.session_id)
        summary = store.summary(conversation.id)
    text = to_json(conversation, summary) if args.format == "json" else to_markdown(conversation, summary)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return EXIT_OK
    try:
        _write_private(Path(args.output), text, overwrite=args.force)
    except FileExistsError:
        _error(f"{args.output} exists: pass --force to overwrite it")
        return EXIT_USAGE
    except OSError as exc:
        _error(f"cannot write {args.output}: {exc.strerror or exc}")
        return EXIT_FAILED
    print(f'Exported "{summary.title or summary.id}" to {args.output}', file=sys.stderr)
    return EXIT_OK


def _write_private(path: Path, text: str, *, overwrite: bool) -> None:
    """A transcript is as private as the database it came from: 0600 when we create it. An
    existing file is only replaced when asked (FileExistsError otherwise)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


# -- import --------------------------------------------------------------------------------


@_reporting_store_errors
def run_import(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _error(f"cannot read {args.file}: {reason}")
        return EXIT_USAGE
    with _open_store() as store:
        if store.is_temporary:
            _error("not importing: the session database cannot be used (see the warning above)")
            return EXIT_FAILED
        try:
            result = import_json(store, text, copy=args.copy)
        except AlreadyImported as exc:
            print(f"Already imported as session {exc.session_id}; nothing changed (--copy adds another copy)")
            return EXIT_OK
        except ImportFailed as exc:
            _error(f"cannot import {args.file}: {exc}")
            return EXIT_USAGE
    title = result.title or "untitled session"
    print(f'Imported "{title}" ({result.message_count} messages) as session {result.session_id}')
    if result.replaced_id:
        print(f"(a session with id {result.replaced_id} already exists, so this one got a new id)")
    return EXIT_OK


# -- shared --------------------------------------------------------------------------------


def _error(message: str) -> None:
    print(f"tui-chat: {message}", file=sys.stderr)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def _color_allowed() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
