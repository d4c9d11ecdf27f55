"""Reading files into attachments: kinds by content, limits, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attachments.images import GIF, JPEG, WEBP, png
from tui_chat.attachments.model import Attachment, fenced_file, user_content
from tui_chat.attachments.reading import (
    AttachmentError,
    Limits,
    attachment_from_bytes,
    check_message_total,
    read_attachment,
)


def test_a_text_file_attaches_with_its_path_relative_to_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n")
    attachment = read_attachment("src/app.py", Limits(), cwd=tmp_path)
    assert (attachment.name, attachment.kind, attachment.size) == ("src/app.py", "text", 12)
    assert fenced_file(attachment) == "src/app.py\n```python\nprint('hi')\n```"


@pytest.mark.parametrize(
    ("data", "mime"),
    [(png(), "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_known_by_their_bytes_not_their_name(tmp_path: Path, data: bytes, mime: str) -> None:
    (tmp_path / "picture.txt").write_bytes(data)
    attachment = read_attachment(tmp_path / "picture.txt", Limits(), cwd=tmp_path)
    assert (attachment.kind, attachment.mime) == ("image", mime)


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda p: None, ["missing.txt", "no such file"]),
        (lambda p: (p / "missing.txt").mkdir(), ["missing.txt", "directory"]),
        (lambda p: (p / "missing.txt").write_bytes(b"\x00\x01\x02ELF"), ["missing.txt", "binary"]),
        (lambda p: (p / "missing.txt").write_text("x" * 101), ["missing.txt", "over", "text_limit"]),
        (
            lambda p: (p / "missing.txt").write_bytes(png() + bytes(200)),
            ["missing.txt", "over", "image_limit"],
        ),
    ],
    ids=["missing", "directory", "binary", "text-too-big", "image-too-big"],
)
def test_refusals_are_one_line_naming_the_file(tmp_path: Path, setup: object, words: list[str]) -> None:
    setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(AttachmentError) as caught:
        read_attachment("missing.txt", Limits(text=100, image=100), cwd=tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_the_per_message_total_is_limited() -> None:
    two = [attachment_from_bytes(f"{n}.txt", b"x" * 60, Limits()) for n in "ab"]
    check_message_total(two[:1], Limits(message=100))
    with pytest.raises(AttachmentError, match="per-message limit"):
        check_message_total(two, Limits(message=100))


def test_utf8_text_cut_mid_character_is_still_text() -> None:
    data = ("é" * 5000).encode()
    assert attachment_from_bytes("accents.txt", data, Limits()).kind == "text"


def test_content_is_addressed_by_sha256() -> None:
    one, two = (Attachment("a.txt", "text", "text/plain", b"same") for _ in range(2))
    assert one.sha256 == two.sha256 == "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5"


def test_a_fence_inside_the_file_cannot_close_the_block() -> None:
    attachment = Attachment("notes.md", "text", "text/plain", b"```\ncode\n```\n")
    block = fenced_file(attachment)
    assert block.startswith("notes.md\n````markdown\n") and block.endswith("\n````")


def test_images_make_content_parts_after_the_text() -> None:
    text = Attachment("a.txt", "text", "text/plain", b"hello")
    image = Attachment("p.png", "image", "image/png", png())
    content = user_content("look", [text, image])
    assert isinstance(content, list)
    assert content[0] == {"type": "text", "text": "look\n\na.txt\n```\nhello\n```"}
    assert content[1]["type"] == "image_url"
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")
