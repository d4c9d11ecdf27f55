"""The database file on disk: private permissions, damage handling, no secrets."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.store.support import chat
from tui_chat import paths
from tui_chat.store import SessionStore


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_dir_and_database_files_are_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "umask", os.umask)  # restored whatever happens
    old = os.umask(0o022)  # a typical, permissive umask
    try:
        with SessionStore.open() as store:
            store.save_conversation(chat("private"))
            files = [paths.database_file(), *(Path(f"{paths.database_file()}{s}") for s in ("-wal", "-shm"))]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(paths.data_dir()) == 0o700
    finally:
        os.umask(old)


def test_an_existing_readable_database_is_made_private(db_path: Path) -> None:
    with SessionStore.open(db_path):
        pass
    db_path.chmod(0o644)
    with SessionStore.open(db_path):
        pass
    assert mode(db_path) == 0o600


def a_real_database(path: Path, *, sessions: int = 40) -> None:
    with SessionStore.open(path) as store:
        for i in range(sessions):
            store.save_conversation(chat(f"conversation {i}", "x" * 2000))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def damage_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def damage_text(path: Path) -> None:
    path.write_text("this is not a database\n" * 100)


def damage_truncated(path: Path) -> None:
    a_real_database(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damage_truncated_header(path: Path) -> None:
    a_real_database(path)
    path.write_bytes(path.read_bytes()[:50])


def damage_scribbled_pages(path: Path) -> None:
    a_real_database(path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8000] = os.urandom(8000)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [damage_garbage, damage_text, damage_truncated, damage_truncated_header, damage_scribbled_pages],
)
def test_a_damaged_database_is_kept_aside_and_a_fresh_one_started(db_path: Path, damage) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    damage(db_path)
    damaged_bytes = db_path.read_bytes()

    with SessionStore.open(db_path) as store:
        assert store.warning is not None
        [kept] = [
            p
            for p in db_path.parent.iterdir()
            if p.name.startswith(f"{db_path.name}.corrupt-") and not p.name.endswith(("-wal", "-shm"))
        ]
        assert str(db_path) in store.warning and str(kept) in store.warning
        assert "damaged" in store.warning
        assert not store.is_temporary and store.path == db_path
        conv = chat("a new beginning")
        store.save_conversation(conv)
        assert store.list_sessions()[0].id == conv.id

    assert kept.read_bytes() == damaged_bytes  # kept exactly as found, never overwritten
    with SessionStore.open(db_path) as store:
        assert store.warning is None  # the fresh database is healthy
        assert [s.title for s in store.list_sessions()] == ["a new beginning"]


def test_the_damaged_files_write_ahead_log_moves_with_it(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    damage_garbage(db_path)
    wal = Path(f"{db_path}-wal")
    wal.write_bytes(b"stale log")

    with SessionStore.open(db_path) as store:
        assert store.warning is not None
        assert store.list_sessions() == []

    kept_wal = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name and p.name.endswith("-wal")]
    assert [p.read_bytes() for p in kept_wal] == [b"stale log"]


def test_damage_found_twice_keeps_both_copies(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    for content in (b"first damage" * 100, b"second damage" * 100):
        db_path.write_bytes(content)
        with SessionStore.open(db_path) as store:
            assert store.warning is not None
    kept = sorted(
        p.read_bytes()
        for p in db_path.parent.iterdir()
        if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))
    )
    assert kept == sorted([b"first damage" * 100, b"second damage" * 100])


def test_an_empty_file_is_simply_a_new_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    with SessionStore.open(db_path) as store:
        assert store.warning is None


def test_a_database_path_that_cannot_be_created_falls_back_to_a_temporary_store(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    with SessionStore.open(blocker / "sessions.sqlite3") as store:
        assert store.warning is not None and str(blocker / "sessions.sqlite3") in store.warning
        assert store.is_temporary
        store.save_conversation(chat("still usable"))
        temporary = store.path
    assert not temporary.exists()  # nothing left behind
    assert blocker.read_text() == "a file where the data directory should be"
