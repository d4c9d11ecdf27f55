"""Writing one setting back (the UI's "always allow this tool", theme choice, settings screen),
keeping the user's comments and layout; the file is replaced atomically and fsynced.

tomlkit is imported on the first write, not with the settings: reading them (every start-up)
does not need it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tui_chat import paths
from tui_chat.config.errors import ConfigError
from tui_chat.config.loading import parse_config_text


def save_setting(key_path: str | Sequence[str], value: Any, *, path: Path | None = None) -> Path:
    """Set one value in the config file, keeping the user's comments and layout. `key_path`
    is dotted ("theme", "tools.policies.get_current_weather") or a sequence of keys. The
    result must still be a valid config, or nothing is written (ConfigError). The file is
    replaced atomically and stays private (0600 in a 0700 directory)."""
    keys = _key_list(key_path)

    def set_value(document: Any) -> bool:
        import tomlkit

        container = document
        for key in keys[:-1]:
            if key not in container:
                container[key] = tomlkit.table()
            container = container[key]
            if not isinstance(container, dict):
                raise ConfigError(f"{key!r} is not a table, cannot set {'.'.join(keys)!r}", origin=path)
        container[keys[-1]] = value
        return True

    return _edit_config(path or paths.config_file(), set_value)


def remove_setting(key_path: str | Sequence[str], *, path: Path | None = None) -> Path:
    """Remove one key from the config file (back to its default), keeping everything else.
    Nothing is written when the key is not there."""
    keys = _key_list(key_path)

    def delete_value(document: Any) -> bool:
        container = document
        for key in keys[:-1]:
            if not isinstance(container, dict) or key not in container:
                return False
            container = container[key]
        if not isinstance(container, dict) or keys[-1] not in container:
            return False
        del container[keys[-1]]
        return True

    return _edit_config(path or paths.config_file(), delete_value)


def _key_list(key_path: str | Sequence[str]) -> list[str]:
    keys = key_path.split(".") if isinstance(key_path, str) else list(key_path)
    if not keys or not all(keys):
        raise ValueError(f"bad key path: {key_path!r}")
    return keys


def _edit_config(path: Path, change: Callable[[Any], bool]) -> Path:
    """Parse the file with tomlkit (keeps comments), apply `change`, and write it back only if
    it changed something and the result still loads."""
    import tomlkit
    import tomlkit.exceptions

    try:
        old_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old_text = ""
    try:
        document = tomlkit.parse(old_text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"invalid TOML, not changing it: {exc}", origin=path) from None
    if not change(document):
        return path
    new_text = tomlkit.dumps(document)
    parse_config_text(new_text, path)  # refuse to write a file we could not load
    _write_private(path, new_text)
    return path


def _write_private(path: Path, text: str) -> None:
    paths.ensure_private_dir(path.parent)
    # mkstemp creates the file 0600 in the same directory, so os.replace is atomic.
    fd, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    os.chmod(path, 0o600)
