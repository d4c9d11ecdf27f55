"""The `@` picker and the attachment chips, driven with keys and clicks (Pilot), and what the
loopback server receives once a message with attachments is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.attachments.images import png
from tests.fakeserver import FakeServer, text_reply
from tests.ui.app_support import SIZE, make_app, settle, wait_for
from tui_chat.ui.app import ChatApp
from tui_chat.ui.widgets.attachment_tray import AttachmentChip, AttachmentTray


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')\n")
    (tmp_path / "README.md").write_text("# readme\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "main.py").write_text("generated\n")
    (tmp_path / "shot.png").write_bytes(png())
    (tmp_path / "blob.dat").write_bytes(b"\x00\x01binary")
    return tmp_path


def tray(app: ChatApp) -> AttachmentTray:
    return app.query_one(AttachmentTray)


def shown(app: ChatApp) -> list[str]:
    picker = tray(app).picker
    return [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]


def chips(app: ChatApp) -> list[str]:
    return [str(chip.render()) for chip in app.query(AttachmentChip)]


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


async def test_at_opens_the_picker_typing_filters_and_enter_takes_a_chip(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "see @")
        await wait_for(pilot, lambda: "src/main.py" in shown(app), what="the scan's files")
        assert "build/main.py" not in shown(app)  # .gitignore
        await type_keys(pilot, "mainpy")
        await wait_for(pilot, lambda: shown(app) == ["src/main.py"], what="the filtered list")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chips(app)) == 1)
        assert not tray(app).picking and app.prompt.text == "see "
        assert chips(app) == ["src/main.py · 12 B · text ✕"]

        fake_server.script(text_reply("looked"))
        await pilot.press("enter")
        await settle(pilot)
        sent = fake_server.chat_requests[-1].json["messages"][-1]
        assert sent["content"] == "see\n\nsrc/main.py\n```python\nprint('hi')\n```"
        assert chips(app) == [] and app.conversation.messages[0].attachments[0].name == "src/main.py"


async def test_esc_leaves_the_at_as_text_and_tab_takes_too(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "mail me @")
        await wait_for(pilot, lambda: bool(shown(app)))
        await pilot.press("escape")
        assert not tray(app).picking and app.prompt.text == "mail me @"
        await type_keys(pilot, "x @shot")
        await wait_for(pilot, lambda: shown(app)[:1] == ["shot.png"])
        await pilot.press("tab")
        await wait_for(pilot, lambda: len(chips(app)) == 1)
        assert chips(app)[0].startswith("shot.png · ") and "image" in chips(app)[0]
        assert app.prompt.text == "mail me @x "


async def test_a_chip_is_removed_by_a_click_or_a_key(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        assert tray(app).attach("README.md") and tray(app).attach("shot.png")
        await wait_for(pilot, lambda: len(chips(app)) == 2)
        # A click lands where the chip is drawn: wait until the layout has placed it.
        await wait_for(pilot, lambda: app.query(AttachmentChip).first().region.width > 0)
        await pilot.click(AttachmentChip)
        await wait_for(pilot, lambda: len(chips(app)) == 1)
        assert chips(app)[0].startswith("shot.png")
        app.query_one(AttachmentChip).focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: chips(app) == [])


async def test_an_unattachable_file_blocks_sending_until_removed(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.insert("what is @blob.dat")
        await pilot.press("escape")  # leave the picker; the @path is resolved on send
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(chips(app)) == 1)
        assert "blob.dat" in chips(app)[0] and "binary" in chips(app)[0]
        assert fake_server.chat_requests == [] and app.conversation.messages == []
        assert app.prompt.text == "what is @blob.dat"  # nothing typed is lost

        app.query_one(AttachmentChip).focus()
        await pilot.press("backspace")
        await wait_for(pilot, lambda: chips(app) == [])
        app.prompt.text = "what is it"
        app.prompt.focus()
        fake_server.script(text_reply("fine"))
        await pilot.press("enter")
        await settle(pilot)
        assert fake_server.chat_requests[-1].json["messages"][-1]["content"] == "what is it"


async def test_a_pasted_at_path_attaches_when_sent(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.insert("review @src/main.py please")
        fake_server.script(text_reply("ok"))
        await pilot.press("enter")
        await settle(pilot)
        content = fake_server.chat_requests[-1].json["messages"][-1]["content"]
        assert content.startswith("review @src/main.py please\n\nsrc/main.py\n```python\n")


async def test_the_palette_command_opens_the_picker(fake_server: FakeServer) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        app.action_attach_file()
        await wait_for(pilot, lambda: tray(app).picking and bool(shown(app)))
        assert app.prompt.text == "@"


async def test_past_attachments_are_chips_in_the_log_and_a_text_one_opens(fake_server: FakeServer) -> None:
    from tui_chat.attachments.model import Attachment
    from tui_chat.engine.conversation import Conversation, Message
    from tui_chat.ui.screens.attachment_viewer import AttachmentViewer
    from tui_chat.ui.widgets.sent_attachments import SentAttachmentChip

    notes = Attachment("notes.md", "text", "text/plain", b"# the notes as sent\n")
    shot = Attachment("shot.png", "image", "image/png", png())
    conversation = Conversation(model="fake-model")
    conversation.add(Message("user", "look", attachments=[notes, shot]))
    conversation.add(Message("assistant", "Seen."))
    app = make_app(fake_server, conversation=conversation)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.query(SentAttachmentChip)) == 2)
        labels = [str(chip.render()) for chip in app.query(SentAttachmentChip)]
        assert labels[0] == "📄 notes.md · 20 B" and labels[1].startswith("🖼 shot.png")
        await pilot.click(SentAttachmentChip)
        await wait_for(pilot, lambda: isinstance(app.screen, AttachmentViewer))
        assert app.screen.query_one("#attachment-text").text == "# the notes as sent\n"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AttachmentViewer))


async def test_an_edited_message_is_resent_with_the_same_bytes(
    fake_server: FakeServer, project: Path
) -> None:
    app = make_app(fake_server)
    async with app.run_test(size=SIZE) as pilot:
        assert tray(app).attach("README.md")
        fake_server.script(text_reply("one"), text_reply("two"))
        app.prompt.insert("read it")
        await pilot.press("enter")
        await settle(pilot)
        (project / "README.md").write_text("changed on disk\n")
        app.action_edit_last()
        app.prompt.text = "read it again"
        await pilot.press("enter")
        await settle(pilot)
        content = fake_server.chat_requests[-1].json["messages"][-1]["content"]
        assert content == "read it again\n\nREADME.md\n```markdown\n# readme\n```"
