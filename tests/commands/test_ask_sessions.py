"""`tui-chat ask` saves every exchange as a session: `--continue`, `--session ID`, `--no-save`."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.commands.helpers import Run, run_cli
from tests.fakeserver import FakeServer, RecordedRequest, Reply, chunk, text_reply
from tui_chat.commands.ask_output import PlainOutput
from tui_chat.engine.conversation import Conversation, Message, ToolCall
from tui_chat.engine.conversation_tree import add_sibling
from tui_chat.store import SessionStore

SECRET = "sk-test-secret-key-0123456789"


@pytest.fixture
def ask(capsys: pytest.CaptureFixture[str], fake_server: FakeServer):
    def run(*argv: str) -> Run:
        result = run_cli(capsys, "ask", "--base-url", fake_server.url, "--api-key", SECRET, *argv)
        assert "Traceback" not in result.err
        return result

    return run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    def run(*argv: str) -> Run:
        return run_cli(capsys, *argv)

    return run


def sessions(cli) -> list[dict[str, Any]]:
    listing: list[dict[str, Any]] = json.loads(cli("sessions", "--json").out)
    return listing


def sent_messages(server: FakeServer) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = server.chat_requests[-1].json["messages"]
    return messages


def test_continue_sends_the_previous_exchange(ask, cli, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Paris."), text_reply("About 2.1 million."))
    assert ask("What is the capital of France?").code == 0

    second = ask("--continue", "How many people live there?")

    assert second.code == 0 and second.out == "About 2.1 million.\n"
    assert sent_messages(fake_server) == [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "How many people live there?"},
    ]
    [saved] = sessions(cli)  # one session, now four messages long
    assert saved["title"] == "What is the capital of France?" and saved["message_count"] == 4


def test_the_json_done_event_names_the_session_listed_by_sessions(ask, cli, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Hello!"))
    done = ask("--json", "hi").events()[-1]
    [saved] = sessions(cli)
    assert done["type"] == "done" and done["session"] == saved["id"]
    assert saved["model"] == "gpt-4o-mini" and saved["provider"] == "openai"


def test_the_user_message_is_saved_before_the_request_goes_out(ask, fake_server: FakeServer) -> None:
    seen_by_server: list[list[tuple[str, str | None]]] = []

    def check_store(req: RecordedRequest) -> list[dict[str, Any] | str]:
        with SessionStore.open() as store:  # a second connection, as another process would
            session_id = store.most_recent_id()
            assert session_id is not None
            seen_by_server.append([(m.role, m.content) for m in store.load(session_id).messages])
        return [chunk("Noted.", role="assistant"), chunk(finish_reason="stop")]

    fake_server.script(Reply(events=check_store))
    assert ask("remember the milk").code == 0
    [saved_when_asked] = seen_by_server
    assert saved_when_asked[0] == ("user", "remember the milk")  # (the reply's placeholder may follow)


def test_session_takes_a_prefix_and_continues_that_session(ask, cli, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Red."), text_reply("Blue."), text_reply("Green."))
    first = ask("--json", "first colour?").events()[-1]["session"]
    ask("second colour?")

    result = ask("--session", first[:6], "and a third?")

    assert result.code == 0
    assert [m["content"] for m in sent_messages(fake_server)] == ["first colour?", "Red.", "and a third?"]
    by_id = {s["id"]: s for s in sessions(cli)}
    assert by_id[first]["message_count"] == 4
    assert len(by_id) == 2


def test_continued_session_keeps_its_model_and_system_prompt(ask, cli, fake_server: FakeServer) -> None:
    ask("--model", "model-a", "--system", "Answer in French.", "Hello")
    ask("--continue", "Again")
    sent = fake_server.chat_requests[-1].json
    assert sent["model"] == "model-a"
    assert sent["messages"][0] == {"role": "system", "content": "Answer in French."}

    ask("--continue", "--model", "model-b", "--system", "Answer in German.", "Once more")
    sent = fake_server.chat_requests[-1].json
    assert sent["model"] == "model-b"
    assert sent["messages"][0] == {"role": "system", "content": "Answer in German."}
    [saved] = sessions(cli)
    assert saved["model"] == "model-b"  # the flag's choice sticks for the next --continue
    # The change is kept where it was made: the next --continue goes on in German, and only one
    # system message is sent, first.
    ask("--continue", "And now?")
    sent = fake_server.chat_requests[-1].json
    assert [m["role"] for m in sent["messages"]].count("system") == 1
    assert sent["messages"][0] == {"role": "system", "content": "Answer in German."}


def test_continue_with_nothing_saved_is_a_usage_error(ask, fake_server: FakeServer) -> None:
    result = ask("--continue", "hello?")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and "no saved session to continue" in result.err
    assert fake_server.chat_requests == []  # nothing was sent


def test_an_unknown_session_id_is_a_usage_error(ask, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("ok"))
    ask("something to save")
    result = ask("--json", "--session", "zzz-not-an-id", "hello?")
    assert result.code == 2
    assert result.events() == [
        {"type": "error", "message": result.events()[0]["message"], "kind": "usage"},
        {"type": "done", "content": "", "status": "error"},
    ]
    assert "zzz-not-an-id" in result.events()[0]["message"]
    assert len(fake_server.chat_requests) == 1


def test_continue_and_session_together_are_refused(ask) -> None:
    with pytest.raises(SystemExit) as exited:
        ask("--continue", "--session", "abc", "hi")
    assert exited.value.code == 2


def test_no_save_writes_nothing(ask, cli, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Not kept."))
    result = ask("--no-save", "--json", "a private question")
    assert result.code == 0
    assert "session" not in result.events()[-1]
    assert sessions(cli) == []


def test_no_save_continue_leaves_the_saved_session_as_it_was(ask, cli, fake_server: FakeServer) -> None:
    fake_server.script(text_reply("Saved answer."), text_reply("Throwaway answer."))
    ask("a question")
    result = ask("--continue", "--no-save", "a what-if")
    assert result.code == 0
    assert [m["content"] for m in sent_messages(fake_server)] == ["a question", "Saved answer.", "a what-if"]
    [saved] = sessions(cli)
    assert saved["message_count"] == 2


def test_an_ask_session_exports_as_markdown_and_json(ask, cli) -> None:
    # The demo bot calls count_string, then answers from its result.
    session_id = ask("--json", "count the characters in 'hello world'").events()[-1]["session"]

    markdown = cli("export", session_id[:8])
    assert markdown.code == 0
    assert markdown.out.startswith("# count the characters in 'hello world'\n")
    assert "**Tool call** `count_string`" in markdown.out
    assert "The tool returned: 11" in markdown.out

    exported = json.loads(cli("export", session_id, "--format", "json").out)["session"]
    assert exported["id"] == session_id
    roles = [(m["role"], m["content"]) for m in exported["messages"]]
    assert roles == [
        ("user", "count the characters in 'hello world'"),
        ("assistant", ""),
        ("tool", "11"),
        ("assistant", "The tool returned: 11"),
    ]
    assert exported["messages"][2]["activity"]["status"] == "ok"
    assert SECRET not in json.dumps(exported)


def test_plain_mode_names_the_session_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped, terminal = io.StringIO(), Terminal()
    PlainOutput(io.StringIO(), piped).saved("3f2a9c0d11223344")
    PlainOutput(io.StringIO(), terminal).saved("3f2a9c0d11223344")
    assert piped.getvalue() == ""
    assert terminal.getvalue() == "tui-chat: saved as session 3f2a9c0d (`tui-chat ask --continue` goes on)\n"


def test_session_continues_the_current_branch_of_a_branched_session(ask, fake_server: FakeServer) -> None:
    conv = Conversation(model="fake-model")
    conv.add(Message("user", "Pick a colour"))
    red = conv.add(Message("assistant", "Red."))
    add_sibling(conv, red.id, Message("assistant", "Blue."))  # regenerated: Blue is on screen
    with SessionStore.open() as store:
        store.save_conversation(conv)
    fake_server.script(text_reply("Navy."))

    assert ask("--session", conv.id, "a darker one?").code == 0

    assert [m["content"] for m in sent_messages(fake_server)] == ["Pick a colour", "Blue.", "a darker one?"]
    with SessionStore.open() as store:
        reopened = store.load(conv.id)
        assert [m.content for m in reopened.messages] == ["Pick a colour", "Blue.", "a darker one?", "Navy."]
        assert [m.content for m in reopened.tree.siblings(red.id)] == ["Red.", "Blue."]  # kept


def test_a_session_forked_at_a_tool_call_goes_on_with_its_results(ask, fake_server: FakeServer) -> None:
    conv = Conversation(model="fake-model")
    conv.add(Message("user", "Weather in Paris?"))
    calling = conv.add(
        Message("assistant", "", tool_calls=[ToolCall("call_0", "get_weather", '{"city": "Paris"}')])
    )
    conv.add(Message("tool", "sunny, 21 °C", tool_call_id="call_0", name="get_weather"))
    conv.add(Message("assistant", "Sunny."))
    with SessionStore.open() as store:
        store.save_conversation(conv)
        fork_id = store.fork(conv.id, calling.id)
    fake_server.script(text_reply("It is sunny, 21 °C."))

    # Before forks carried tool results, the server refused this request (400: "tool_call_ids
    # did not have response messages").
    result = ask("--session", fork_id, "So, how warm is it?")

    assert result.code == 0 and result.out == "It is sunny, 21 °C.\n"
    sent = sent_messages(fake_server)
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "user"]
    assert sent[2] == {"role": "tool", "tool_call_id": "call_0", "content": "sunny, 21 °C"}


def test_session_with_message_goes_on_from_the_branch_holding_a_search_hit(
    ask, fake_server: FakeServer
) -> None:
    conv = Conversation(model="fake-model")
    conv.add(Message("user", "Pick a colour"))
    red = conv.add(Message("assistant", "Red."))
    add_sibling(conv, red.id, Message("assistant", "Blue."))  # Blue is on screen
    with SessionStore.open() as store:
        store.save_conversation(conv)
        [hit] = store.search("red", branches=True)
    assert hit.other_branch
    fake_server.script(text_reply("Crimson."))

    assert ask("--session", conv.id, "--message", red.id[:8], "a darker one?").code == 0

    assert [m["content"] for m in sent_messages(fake_server)] == ["Pick a colour", "Red.", "a darker one?"]
    with SessionStore.open() as store:  # the branch of the hit is the one the session shows now
        assert [m.content for m in store.load(conv.id).messages][-2:] == ["a darker one?", "Crimson."]


def test_message_without_session_is_a_usage_error(ask) -> None:
    result = ask("--message", "abcd", "hi")
    assert result.code == 2 and "--message MSG needs --session ID" in result.err
