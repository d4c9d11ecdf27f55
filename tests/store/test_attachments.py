"""Attachments in the store: content-addressed, with the message, across reopen, export, import."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest

from tests.attachments.images import png
from tests.store.support import chat
from tui_chat.attachments.model import Attachment
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.conversation_tree import add_sibling
from tui_chat.store import SessionRecorder, SessionStore
from tui_chat.store.export import ImportFailed, import_json, to_json, to_markdown

NOTES = Attachment("notes/todo.md", "text", "text/plain", b"- buy milk\n")
SHOT = Attachment("shot.png", "image", "image/png", png())


def with_attachments(*attachments: Attachment) -> Conversation:
    conv = chat("look at these")
    conv.messages[0].attachments = list(attachments)
    conv.add(Message("assistant", "Seen."))
    return conv


def blob_count(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM attachments").fetchone()[0])


def test_attachments_come_back_with_their_message_byte_for_byte(store: SessionStore) -> None:
    conv = with_attachments(NOTES, SHOT)
    store.save_conversation(conv)
    loaded = store.load(conv.id).messages[0].attachments
    assert loaded == [NOTES, SHOT]
    assert loaded[1].data == SHOT.data


def test_the_same_file_attached_twice_is_stored_once(store: SessionStore, db_path: Path) -> None:
    store.save_conversation(with_attachments(NOTES, SHOT))
    again = with_attachments(NOTES)
    again.messages[0].attachments.append(Attachment("copy.md", "text", "text/plain", NOTES.data))
    store.save_conversation(again)
    assert blob_count(db_path) == 2
    assert [a.name for a in store.load(again.id).messages[0].attachments] == ["notes/todo.md", "copy.md"]


def test_deleting_the_last_session_using_a_file_drops_its_bytes(store: SessionStore, db_path: Path) -> None:
    keep, drop = with_attachments(NOTES), with_attachments(NOTES, SHOT)
    store.save_conversation(keep)
    store.save_conversation(drop)
    store.delete(drop.id)
    assert blob_count(db_path) == 1
    assert store.load(keep.id).messages[0].attachments == [NOTES]


def test_an_edited_question_keeps_its_attachments_as_a_sibling(store: SessionStore) -> None:
    conv = with_attachments(NOTES)
    store.save_conversation(conv)
    first = conv.messages[0]
    add_sibling(conv, first.id, Message("user", "look again", attachments=list(first.attachments)))
    store.save_conversation(conv)
    loaded = store.load(conv.id)
    assert loaded.messages[0].content == "look again" and loaded.messages[0].attachments == [NOTES]


def test_the_recorder_saves_the_users_attachments_before_the_request(store: SessionStore) -> None:
    conv = Conversation()
    with SessionRecorder(store, conv) as recorder:
        message = conv.add(Message("user", "see", attachments=[SHOT]))
        recorder.record_user_message(message).result(timeout=10)
        assert store.load(conv.id).messages[0].attachments == [SHOT]


def test_json_export_carries_attachments_in_base64_and_imports_back(store: SessionStore) -> None:
    conv = with_attachments(NOTES, SHOT)
    store.save_conversation(conv)
    text = to_json(store.load(conv.id), store.summary(conv.id))
    sent = json.loads(text)["session"]["messages"][0]["attachments"]
    assert base64.b64decode(sent[1]["data"]) == SHOT.data and sent[1]["sha256"] == SHOT.sha256
    store.delete(conv.id)
    import_json(store, text)
    assert store.load(conv.id).messages[0].attachments == [NOTES, SHOT]


def test_an_altered_attachment_in_an_export_is_refused(store: SessionStore) -> None:
    conv = with_attachments(NOTES)
    store.save_conversation(conv)
    document = json.loads(to_json(store.load(conv.id), store.summary(conv.id)))
    document["session"]["messages"][0]["attachments"][0]["data"] = base64.b64encode(b"other").decode()
    store.delete(conv.id)
    with pytest.raises(ImportFailed, match="sha256"):
        import_json(store, json.dumps(document))


def test_markdown_lists_attachments_and_inlines_text_ones(store: SessionStore) -> None:
    conv = with_attachments(NOTES, SHOT)
    store.save_conversation(conv)
    md = to_markdown(store.load(conv.id), store.summary(conv.id))
    assert "**Attachment** `notes/todo.md` (text, 11 B" in md
    assert "```markdown\n- buy milk\n```" in md
    assert "**Attachment** `shot.png` (image," in md
