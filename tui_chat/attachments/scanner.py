"""The `@` picker's file list: the working directory walked in a thread, in batches.

Ignore rules: every `.gitignore` met on the way (gitignore syntax, matched by `pathspec`, the
library git-style tools use), each applied to paths below its own directory; `.git` itself,
hidden files and directories (a leading dot) and files whose extension says binary are skipped
(typing a path after `@` still attaches them: `read_attachment` decides by content). Images are
listed: they attach. Batches are yielded as they are found, so the first results show while the
walk goes on."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pathspec

BATCH = 500
YIELD_SECONDS = 0.001

# Skipped by extension while scanning (reading every file's head would cost a 100,000-file walk).
_BINARY = """
pyc pyo so o a dll dylib exe bin class jar zip gz tgz bz2 xz zst 7z rar tar iso dmg pdf doc docx
xls xlsx ppt pptx mp3 mp4 mov avi mkv wav flac ogg webm ico bmp tiff psd woff woff2 ttf otf eot
sqlite sqlite3 db pkl npy npz parquet wasm
"""
BINARY_EXTENSIONS = frozenset(_BINARY.split())


def _is_binary_name(name: str) -> bool:
    _, dot, ext = name.rpartition(".")
    return bool(dot) and ext.lower() in BINARY_EXTENSIONS


def _load_ignore(directory: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
    except OSError:
        return None


def walk_files(root: Path, stop: threading.Event | None = None) -> Iterator[list[str]]:
    """Relative POSIX paths of the attachable files below `root`, in batches of up to BATCH."""
    batch: list[str] = []
    # Each entry: a directory (relative, "" for root) and the ignore specs in force there.
    stack: list[tuple[str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [("", [])]
    while stack:
        if stop is not None and stop.is_set():
            return
        relative, specs = stack.pop()
        absolute = os.path.join(root, relative) if relative else str(root)
        own = _load_ignore(absolute)
        if own is not None:
            specs = [*specs, (relative, own)]
        try:
            entries = sorted(os.scandir(absolute), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = f"{relative}/{entry.name}" if relative else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if _ignored(path, is_dir, specs):
                continue
            if is_dir:
                subdirs.append(path)
            elif not _is_binary_name(entry.name):
                batch.append(path)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        stack.extend((d, specs) for d in reversed(subdirs))
    if batch:
        yield batch


def _ignored(path: str, is_dir: bool, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
    for base, spec in specs:
        below = path[len(base) + 1 :] if base else path
        if spec.match_file(below + "/" if is_dir else below):
            return True
    return False


class BackgroundScan:
    """`walk_files` in a daemon thread. `files` grows as batches arrive (read it any time:
    appends are atomic); `on_batch` is called in the scan thread after each batch."""

    def __init__(self, root: Path, on_batch: Callable[[], None] | None = None) -> None:
        self.root = root
        self.files: list[str] = []
        self.done = threading.Event()
        self._stop = threading.Event()
        self._on_batch = on_batch
        self._thread = threading.Thread(target=self._run, name="tui-chat-file-scan", daemon=True)

    def start(self) -> BackgroundScan:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            for batch in walk_files(self.root, self._stop):
                self.files.extend(batch)
                if self._on_batch is not None:
                    self._on_batch()
                # Hand the GIL over between batches: the UI thread (keys, the first results)
                # must not wait behind a walk that is pure Python between system calls.
                time.sleep(YIELD_SECONDS)
        finally:
            self.done.set()
            if self._on_batch is not None:
                self._on_batch()
