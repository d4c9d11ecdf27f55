"""Compaction through the real SDK to the fake server: the model summarises everything before
the last N turns; the chat goes on as a new root-level branch; the originals stay stored and
searchable."""

from __future__ import annotations

import openai

from tests.engine.support import make_engine
from tests.fakeserver import FakeServer, text_reply
from tui_chat.engine import compaction
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.conversation_tree import switch_sibling, tree_of
from tui_chat.store import SessionStore


def chat_of(turns: int) -> Conversation:
    conversation = Conversation(system_prompt="Be brief.", model="fake-model")
    for n in range(turns):
        conversation.add(Message(role="user", content=f"question {n} about zebras"))
        conversation.add(
            Message(
                role="assistant",
                content=f"answer {n}",
                usage={"prompt_tokens": 50 * (n + 1), "completion_tokens": 5},
            )
        )
    return conversation


def test_the_plan_keeps_the_last_n_turns() -> None:
    conversation = chat_of(5)
    plan = compaction.plan(conversation, 2)
    assert [m.content for m in plan.kept] == [
        "question 3 about zebras",
        "answer 3",
        "question 4 about zebras",
        "answer 4",
    ]
    assert len(plan.older) == 6 and plan.worthwhile
    assert not compaction.plan(conversation, 5).worthwhile


async def test_compaction_summarises_and_continues_on_a_new_branch_keeping_the_originals(
    fake_server: FakeServer, api_client: openai.AsyncOpenAI
) -> None:
    conversation = chat_of(4)
    originals = list(conversation.messages)
    with SessionStore.open() as store:
        store.save_conversation(conversation, provider="openai")
        fake_server.script(text_reply("They asked about zebras, four times."))
        plan = compaction.plan(conversation, 1)
        summary = await compaction.summarise(make_engine(api_client), conversation, plan.older)
        assert summary == "They asked about zebras, four times."
        sent = fake_server.chat_requests[-1].json
        assert sent["stream"] is False and "tools" not in sent
        assert "question 0 about zebras" in sent["messages"][-1]["content"]
        assert "question 3 about zebras" not in sent["messages"][-1]["content"]

        path = compaction.apply(conversation, summary, plan.kept)
        assert [m.role for m in path] == ["user", "user", "assistant"]
        assert path[0].content is not None and path[0].content.endswith(summary)
        assert [m.content for m in path[1:]] == ["question 3 about zebras", "answer 3"]
        assert {m.id for m in path}.isdisjoint(m.id for m in originals)
        assert all(m.usage is None for m in path)
        # Sent from now on: the system prompt, the summary and the last turn.
        assert [m["role"] for m in conversation.to_api()] == ["system", "user", "user", "assistant"]

        store.save_conversation(conversation, provider="openai")
        reopened = store.load(conversation.id)
        assert [m.id for m in reopened.messages] == [m.id for m in path]
        hits = store.search("question 0", per_session=None)
        assert any(h.message_id == originals[0].id for h in hits)  # the originals stay searchable
        # The user can leave the compacted branch: the original is its root's sibling.
        assert tree_of(reopened).branching(path[0].id).count == 2
        assert switch_sibling(reopened, path[0].id, -1, now=1e10)
        assert [m.id for m in reopened.messages] == [m.id for m in originals]
