"""`tui-chat ask -a FILE`: attachments headless, with the same rules and limits as the app."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from tests.attachments.images import png
from tests.commands.test_ask import Asker, ask  # noqa: F401  (the fixture)
from tests.fakeserver import text_reply


@pytest.fixture(autouse=True)
def in_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.py").write_text("print('hi')\n")
    (tmp_path / "shot.png").write_bytes(png())
    return tmp_path


def test_files_and_images_reach_the_server(ask: Asker) -> None:  # noqa: F811
    ask.server.script(text_reply("ok"))
    result = ask("-a", "main.py", "--attach", "shot.png", "review @main.py")
    assert result.code == 0, result.err
    content = ask.server.chat_requests[0].json["messages"][-1]["content"]
    # `@` stays literal in ask: the typed text is sent as it was.
    assert content[0] == {"type": "text", "text": "review @main.py\n\nmain.py\n```python\nprint('hi')\n```"}
    assert base64.b64decode(content[1]["image_url"]["url"].split(",", 1)[1]) == png()


def test_a_file_from_stdin(ask: Asker, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"piped text\n")))
    ask.server.script(text_reply("ok"))
    assert ask("-a", "-", "summarise").code == 0
    assert ask.server.chat_requests[0].json["messages"][-1]["content"] == (
        "summarise\n\nstdin\n```\npiped text\n```"
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-a", "nope.txt", "hi"], ["nope.txt", "no such file"]),
        (["-a", "-"], ["PROMPT"]),
    ],
    ids=["missing", "stdin-without-prompt"],
)
def test_bad_attachments_are_usage_errors_and_nothing_is_sent(
    ask: Asker,  # noqa: F811
    argv: list[str],
    words: list[str],
) -> None:
    result = ask(*argv)
    assert result.code == 2
    for word in words:
        assert word in result.err
    assert ask.server.chat_requests == []


def test_the_text_limit_from_the_config_file_applies(ask: Asker, in_project: Path) -> None:  # noqa: F811
    from tests.commands.helpers import write_config

    write_config("[attachments]\ntext_limit = 5\n")
    result = ask("-a", "main.py", "hi")
    assert result.code == 2 and "over the 5 B limit" in result.err
    assert ask.server.chat_requests == []
