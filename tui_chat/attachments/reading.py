"""Reading a file (or stdin's bytes) into an `Attachment`, within the configured limits.

Every refusal is an `AttachmentError` whose text is one line naming the file and what to do."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from tui_chat.attachments.model import Attachment, human_size, image_type

if TYPE_CHECKING:
    from tui_chat.config import Settings

# How much of a file decides "binary": a NUL byte or invalid UTF-8 in it.
_SNIFF = 8192


class AttachmentError(Exception):
    """A file that cannot be attached; str() is the line to show."""


@dataclass(frozen=True)
class Limits:
    text: int = 256 * 1024
    image: int = 5 * 1024 * 1024
    message: int = 8 * 1024 * 1024

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            text=settings.attachment_text_limit,
            image=settings.attachment_image_limit,
            message=settings.attachment_message_limit,
        )


def looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start < len(head) - 3
    return False


def display_name(path: Path, cwd: Path | None = None) -> str:
    """The path relative to the working directory when inside it, else as absolute."""
    base = (cwd or Path.cwd()).resolve()
    resolved = path.expanduser().resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return resolved.as_posix()


def read_attachment(path: str | Path, limits: Limits, *, cwd: Path | None = None) -> Attachment:
    target = Path(path).expanduser()
    if not target.is_absolute() and cwd is not None:
        target = cwd / target
    name = display_name(target, cwd)
    try:
        if target.is_dir():
            raise AttachmentError(f"{name}: is a directory; attach a file")
        size = target.stat().st_size
        # Never read more than the largest limit allows (plus one byte to know it is over).
        with target.open("rb") as handle:
            data = handle.read(max(limits.text, limits.image) + 1)
    except FileNotFoundError:
        raise AttachmentError(f"{name}: no such file") from None
    except PermissionError:
        raise AttachmentError(f"{name}: permission denied") from None
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    return attachment_from_bytes(name, data, limits, size=max(size, len(data)))


def attachment_from_bytes(name: str, data: bytes, limits: Limits, *, size: int | None = None) -> Attachment:
    size = len(data) if size is None else size
    mime = image_type(data)
    if mime is not None:
        if size > limits.image:
            raise AttachmentError(
                f"{name}: image is {human_size(size)}, over the {human_size(limits.image)} limit "
                "(attachments.image_limit)"
            )
        return Attachment(name=name, kind="image", mime=mime, data=data)
    if looks_binary(data[:_SNIFF]):
        raise AttachmentError(f"{name}: a binary file (only text and PNG/JPEG/GIF/WebP images attach)")
    if size > limits.text:
        raise AttachmentError(
            f"{name}: text file is {human_size(size)}, over the {human_size(limits.text)} limit "
            "(attachments.text_limit)"
        )
    return Attachment(name=name, kind="text", mime="text/plain", data=data)


def read_attachments(
    paths: Iterable[str], limits: Limits, *, stdin: BinaryIO | None = None, cwd: Path | None = None
) -> list[Attachment]:
    """Every path read (`-`: stdin's bytes, named "stdin"), then the per-message total checked."""
    attachments = []
    for path in paths:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read(max(limits.text, limits.image) + 1)
            attachments.append(attachment_from_bytes("stdin", data, limits))
        else:
            attachments.append(read_attachment(path, limits, cwd=cwd))
    check_message_total(attachments, limits)
    return attachments


def check_message_total(attachments: Iterable[Attachment], limits: Limits) -> None:
    total = sum(a.size for a in attachments)
    if total > limits.message:
        raise AttachmentError(
            f"attachments total {human_size(total)}, over the {human_size(limits.message)} "
            "per-message limit (attachments.message_limit); remove some"
        )


def is_hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split(os.sep) if part not in (".", ".."))
