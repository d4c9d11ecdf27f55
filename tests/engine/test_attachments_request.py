"""What the server receives for attachments, through the real SDK over real HTTP."""

from __future__ import annotations

import base64

import openai

from tests.attachments.images import png
from tests.engine.support import conversation_with, ended, failure, make_engine, run_turn
from tests.fakeserver import FakeServer, error_reply, text_reply
from tui_chat.attachments.model import Attachment


async def test_a_text_file_is_a_fenced_block_in_the_user_message(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("seen"))
    conversation = conversation_with("what does this do?")
    conversation.messages[-1].attachments = [Attachment("src/app.py", "text", "text/plain", b"print(1)\n")]
    events = await run_turn(make_engine(api_client), conversation)
    assert ended(events).content == "seen"
    sent = fake_server.chat_requests[-1].json["messages"][-1]
    assert sent == {"role": "user", "content": "what does this do?\n\nsrc/app.py\n```python\nprint(1)\n```"}


async def test_an_image_is_an_image_url_part_with_a_data_url(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(text_reply("a red pixel"))
    image = png()
    conversation = conversation_with("describe")
    conversation.messages[-1].attachments = [Attachment("shot.png", "image", "image/png", image)]
    await run_turn(make_engine(api_client), conversation)
    parts = fake_server.chat_requests[-1].json["messages"][-1]["content"]
    assert parts[0] == {"type": "text", "text": "describe"}
    url = parts[1]["image_url"]["url"]
    assert parts[1]["type"] == "image_url" and url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == image


async def test_a_server_refusing_images_names_the_attachment_and_keeps_the_message(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    fake_server.script(error_reply(400, "image input is not supported by this model"))
    conversation = conversation_with("describe")
    user = conversation.messages[-1]
    user.attachments = [Attachment("shot.png", "image", "image/png", png())]
    events = await run_turn(make_engine(api_client), conversation)
    message = failure(events).message
    assert "shot.png" in message and "vision" in message and "not supported" in message
    assert conversation.messages[0] is user and user.attachments  # still there to edit
