"""An attachment as plain data, and the request content a user message with attachments becomes.

Attachments are content-addressed (sha256 of the bytes): the message keeps the bytes it was sent
with, so reopening, regenerating and editing send the same bytes even if the file changed."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

AttachmentKind = Literal["text", "image"]

# Image types a vision model takes, by magic bytes (never by the file name).
IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

# File extension -> the fence's language tag (the extension itself when not listed).
_LANGUAGES = {
    "py": "python", "js": "javascript", "ts": "typescript", "rs": "rust", "rb": "ruby",
    "sh": "bash", "yml": "yaml", "md": "markdown", "h": "c", "hpp": "cpp", "cc": "cpp",
    "txt": "", "kt": "kotlin", "cs": "csharp", "jsx": "jsx", "tsx": "tsx",
}  # fmt: skip


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def image_type(data: bytes) -> str | None:
    """The image MIME type from the first bytes, or None when not PNG/JPEG/GIF/WebP."""
    for signature, mime in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Attachment:
    """One attached file: `name` is the path as shown and sent (relative to the working
    directory when inside it), `data` the bytes as read when it was attached."""

    name: str
    kind: AttachmentKind
    mime: str
    data: bytes = field(repr=False)
    sha256: str = ""

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", sha256_of(self.data))

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def language_of(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower().lstrip(".")
    return _LANGUAGES.get(suffix, suffix)


def fenced_file(attachment: Attachment) -> str:
    """A text file as the model sees it: its path, then a fence longer than any in the file."""
    text = attachment.text
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{attachment.name}\n{fence}{language_of(attachment.name)}\n{body}{fence}"


def user_content(text: str, attachments: list[Attachment]) -> str | list[dict[str, Any]]:
    """A user message's API content: text files as fenced blocks after the typed text; with
    images, a list of parts (the text, then one `image_url` part per image, as data URLs)."""
    blocks = [text.rstrip()] if text.strip() else []
    blocks += [fenced_file(a) for a in attachments if a.kind == "text"]
    joined = "\n\n".join(blocks)
    images = [a for a in attachments if a.kind == "image"]
    if not images:
        return joined
    parts: list[dict[str, Any]] = [{"type": "text", "text": joined}] if joined else []
    parts += [{"type": "image_url", "image_url": {"url": a.data_url()}} for a in images]
    return parts


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
