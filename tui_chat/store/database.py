"""Opening the SQLite file: private permissions, WAL, damage detection and quarantine.

`open_database(path)` never raises for a bad file. It returns where the store actually lives
plus a warning for the user when that is not the requested file:

- damaged file (not a database, truncated, failed integrity check): the file and its -wal/-shm
  companions are renamed to `<name>.corrupt-<timestamp>` (never deleted or overwritten) and a
  fresh database is created in its place;
- unusable for another reason (no permission, written by a newer tui-chat, read-only disk):
  the file is left alone and a temporary database is used for this run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tui_chat.store.schema import LATEST_VERSION, NewerSchema, migrate, schema_version

BUSY_TIMEOUT_SECONDS = 10.0
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)
_COMPANIONS = ("-wal", "-shm")


@dataclass(frozen=True)
class OpenedDatabase:
    path: Path
    warning: str | None = None
    # Set when the store runs on a throwaway copy; removed when the store closes.
    temporary_dir: Path | None = None


class DamagedDatabase(Exception):
    def __init__(self, reason: str, identity: tuple[int, int]) -> None:
        super().__init__(reason)
        self.identity = identity  # (st_dev, st_ino) of the file found damaged


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode: every write opens its own explicit transaction."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    # In WAL mode NORMAL survives an application crash (kill -9); only power loss can undo
    # the very last commits. Checkpoints several times a second need that speed.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_database(path: Path) -> OpenedDatabase:
    try:
        _prepare(path)
        return OpenedDatabase(path)
    except DamagedDatabase as damage:
        try:
            kept = quarantine(path, damage.identity)
            _prepare(path)
        except (OSError, sqlite3.Error, DamagedDatabase) as exc:
            return _temporary(
                f"The session database {path} is damaged ({damage}) and could not be replaced "
                f"({_reason(exc)})"
            )
        if kept is None:
            return OpenedDatabase(path)  # another instance moved it aside and said so
        return OpenedDatabase(
            path,
            warning=(
                f"The session database {path} was damaged ({damage}). It was kept as {kept} "
                "and a new, empty one was started."
            ),
        )
    except (OSError, sqlite3.Error, NewerSchema) as exc:
        return _temporary(f"Could not open the session database {path}: {_reason(exc)}")


def _prepare(path: Path) -> None:
    identity = _create_private(path)
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(path)
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise DamagedDatabase(problems[0].splitlines()[-1] if problems else "failed check", identity)
        found = schema_version(conn)
        if found > LATEST_VERSION:  # checked before WAL mode, which rewrites the header
            raise NewerSchema(found)
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        if _is_damage(exc):
            raise DamagedDatabase(str(exc), identity) from exc
        raise
    finally:
        if conn is not None:
            conn.close()


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


def _create_private(path: Path) -> tuple[int, int]:
    """The directory 0700 and the file 0600 before SQLite touches them (its -wal and -shm
    files copy the database file's mode). Returns the file's identity."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        path.parent.chmod(0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        stat = os.fstat(fd)
        if stat.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in _COMPANIONS:
        companion = Path(f"{path}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            if companion.stat().st_mode & 0o077:
                companion.chmod(0o600)
    return (stat.st_dev, stat.st_ino)


def quarantine(path: Path, identity: tuple[int, int]) -> Path | None:
    """Rename a damaged database (and its -wal/-shm) aside; returns the new name, or None when
    another instance already replaced the file found damaged (`identity` no longer matches).

    The WAL must move too: left behind, it would be replayed into the fresh database."""
    current = path.stat()
    if (current.st_dev, current.st_ino) != identity:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while kept.exists():
        kept = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    os.rename(path, kept)
    for suffix in _COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.rename(f"{path}{suffix}", f"{kept}{suffix}")
    return kept


def _temporary(problem: str) -> OpenedDatabase:
    directory = Path(tempfile.mkdtemp(prefix="tui-chat-sessions-"))  # created 0700
    path = directory / "sessions.sqlite3"
    _prepare(path)
    return OpenedDatabase(
        path,
        warning=f"{problem}. Conversations will not be saved this time.",
        temporary_dir=directory,
    )


def remove_temporary(opened: OpenedDatabase) -> None:
    if opened.temporary_dir is not None:
        shutil.rmtree(opened.temporary_dir, ignore_errors=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)
