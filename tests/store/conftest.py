from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.support import WallClock
from tui_chat import paths
from tui_chat.store import SessionStore


@pytest.fixture
def db_path() -> Path:
    return paths.database_file()


@pytest.fixture
def store(db_path: Path) -> Iterator[SessionStore]:
    opened = SessionStore.open(db_path, now=WallClock())
    assert opened.warning is None
    yield opened
    opened.close()


@pytest.fixture
def other_store(db_path: Path, store: SessionStore) -> Iterator[SessionStore]:
    """A second, independent connection to the same file (like a second instance)."""
    opened = SessionStore.open(db_path, now=WallClock(1_800_000_000.0))
    yield opened
    opened.close()
