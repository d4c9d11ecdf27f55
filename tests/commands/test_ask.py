"""`tui-chat ask` in-process against the loopback server, through the real SDK."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest.mock import ANY

import pytest

from tests.commands.helpers import Run, run_cli, write_config
from tests.fakeserver import FakeServer, chunk, error_reply, sse_reply, text_reply, tool_calls_reply
from tui_chat.commands.ask_output import PlainOutput
from tui_chat.engine.events import ReasoningDelta, TextDelta

SECRET = "sk-test-secret-key-0123456789"


class Asker:
    """`tui-chat ask --base-url <fake server> --api-key SECRET ...`, in-process."""

    def __init__(self, capsys: pytest.CaptureFixture[str], server: FakeServer) -> None:
        self.capsys = capsys
        self.server = server

    def __call__(self, *argv: str) -> Run:
        result = run_cli(self.capsys, "ask", "--base-url", self.server.url, "--api-key", SECRET, *argv)
        assert SECRET not in result.out + result.err
        assert "Traceback" not in result.err
        return result


@pytest.fixture
def ask(capsys: pytest.CaptureFixture[str], fake_server: FakeServer) -> Asker:
    return Asker(capsys, fake_server)


def test_plain_reply_streams_to_stdout(ask: Asker) -> None:
    ask.server.script(text_reply("Hello from the model."))
    result = ask("hi there")
    assert result.code == 0
    assert result.out == "Hello from the model.\n"
    assert result.err == ""
    sent = ask.server.chat_requests[0].json
    assert sent["messages"][-1] == {"role": "user", "content": "hi there"}
    assert sent["stream"] is True


def test_json_plain_reply(ask: Asker) -> None:
    ask.server.script(text_reply("Hello there", chunk_chars=5))
    result = ask("--json", "hi")
    assert result.code == 0
    assert result.events() == [
        {"type": "text", "delta": "Hello"},
        {"type": "text", "delta": " ther"},
        {"type": "text", "delta": "e"},
        {"type": "finish", "reason": "stop", "usage": result.events()[3]["usage"]},
        {"type": "done", "content": "Hello there", "status": "answered", "session": ANY, "context": ANY},
    ]


def reasoning_reply() -> list[dict[str, object] | str]:
    return [
        chunk(role="assistant", reasoning_content="Think"),
        chunk(reasoning_content="ing."),
        chunk("Answer", finish_reason="stop"),
    ]


def test_json_reports_reasoning_before_the_answer(ask: Asker) -> None:
    ask.server.script(sse_reply(reasoning_reply()))
    result = ask("--json", "hi")
    assert result.code == 0
    assert result.events()[:3] == [
        {"type": "reasoning", "delta": "Think"},
        {"type": "reasoning", "delta": "ing."},
        {"type": "text", "delta": "Answer"},
    ]
    assert result.events()[-1]["content"] == "Answer"


def test_plain_mode_keeps_reasoning_out_of_stdout(ask: Asker) -> None:
    ask.server.script(sse_reply(reasoning_reply()))
    result = ask("hi")
    assert (result.code, result.out, result.err) == (0, "Answer\n", "")


def test_system_prompt_and_model_flags_reach_the_server(ask: Asker) -> None:
    ask.server.script(text_reply("ok"))
    ask("--system", "Be terse.", "--model", "fake-model-large", "hi")
    sent = ask.server.chat_requests[0].json
    assert sent["model"] == "fake-model-large"
    assert sent["messages"][0] == {"role": "system", "content": "Be terse."}


def test_plain_tool_call_reports_activity_on_stderr(ask: Asker) -> None:
    result = ask("count the characters in 'hello world'")
    assert result.code == 0
    assert result.out == "The tool returned: 11\n"
    lines = result.err.splitlines()
    assert len(lines) == 2
    assert lines[0] == '[tool] count_string({"string": "hello world"})'
    assert lines[1].startswith("[tool] count_string → 11 (")


def test_json_events_for_a_tool_call(ask: Asker) -> None:
    result = ask("--json", "count the characters in 'hello world'")
    assert result.code == 0
    events = result.events()
    assert result.types()[-1] == "done"
    call, first_finish, tool_result, last_finish, done = (e for e in events if e["type"] != "text")
    assert [call["type"], tool_result["type"], last_finish["type"]] == ["tool_call", "tool_result", "finish"]
    assert (call["name"], json.loads(call["arguments"])) == ("count_string", {"string": "hello world"})
    assert first_finish == {**first_finish, "type": "finish", "reason": "tool_calls"}
    assert tool_result == {
        **tool_result,
        "id": call["id"],
        "name": "count_string",
        "ok": True,
        "content": "11",
    }
    assert "".join(e["delta"] for e in events if e["type"] == "text") == "The tool returned: 11"
    assert done["content"] == "The tool returned: 11"


def test_json_parallel_calls_come_back_in_call_order(ask: Asker) -> None:
    ask.server.script(
        tool_calls_reply(
            ("count_string", '{"string": "abc"}'), ("count_string", '{"string": "hello"}'), interleave=True
        ),
        text_reply("3 and 5"),
    )
    result = ask("--json", "count both")
    assert result.code == 0
    events = result.events()
    calls = [e for e in events if e["type"] == "tool_call"]
    results = [e for e in events if e["type"] == "tool_result"]
    assert [c["arguments"] for c in calls] == ['{"string": "abc"}', '{"string": "hello"}']
    assert [(r["id"], r["content"]) for r in results] == [(calls[0]["id"], "3"), (calls[1]["id"], "5")]
    # Each completed call is announced before it runs.
    assert max(events.index(c) for c in calls) < min(events.index(r) for r in results)
    sent_back = ask.server.chat_requests[1].json["messages"]
    assert [m["tool_call_id"] for m in sent_back if m["role"] == "tool"] == [c["id"] for c in calls]


def test_a_tool_that_asks_first_is_refused_without_yes(ask: Asker) -> None:
    write_config('[tools.policies]\ncount_string = "ask"\n')
    result = ask("--json", "count the characters in 'hello world'")
    assert result.code == 0  # the model was told, and answered
    (tool_result,) = [e for e in result.events() if e["type"] == "tool_result"]
    assert tool_result["ok"] is False and tool_result["status"] == "refused"
    told_the_model = ask.server.chat_requests[1].json["messages"][-1]
    assert told_the_model["role"] == "tool" and "11" not in told_the_model["content"]


def test_refusal_in_plain_mode_says_how_to_allow_it(ask: Asker) -> None:
    write_config('[tools.policies]\ncount_string = "ask"\n')
    result = ask("count the characters in 'hello world'")
    assert "[tool] count_string refused" in result.err
    assert "--yes" in result.err


def test_yes_runs_a_tool_that_asks_first(ask: Asker) -> None:
    write_config('[tools.policies]\ncount_string = "ask"\n')
    result = ask("--yes", "count the characters in 'hello world'")
    assert result.code == 0
    assert result.out == "The tool returned: 11\n"


def test_no_tools_offers_none(ask: Asker) -> None:
    result = ask("--no-tools", "count the characters in 'hello world'")
    assert result.code == 0
    assert "tools" not in ask.server.chat_requests[0].json
    assert result.out.startswith("You said: count the characters")


def test_a_broken_tools_file_is_a_warning_and_the_turn_still_runs(ask: Asker, tmp_path: Path) -> None:
    broken = tmp_path / "broken_tools.py"
    broken.write_text("this is not python\n")
    ask.server.script(text_reply("still here"))
    result = ask("--tools-file", str(broken), "hi")
    assert result.code == 0
    assert result.out == "still here\n"
    assert result.err.startswith("tui-chat: warning: ")
    assert "broken_tools.py" in result.err


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, ["401", "key"]), (403, ["403"]), (404, ["404", "no-such-model"]), (500, ["500"])],
)
def test_http_errors_are_one_line_and_exit_1(ask: Asker, status: int, words: list[str]) -> None:
    write_config("max_retries = 0\n")
    ask.server.script(error_reply(status, f"fake failure {status}"))
    result = ask("--model", "no-such-model", "hi")
    assert result.code == 1
    assert result.out == ""
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith("tui-chat: ")
    for word in words:
        assert word in result.err


def test_http_error_in_json_mode(ask: Asker) -> None:
    ask.server.script(error_reply(401, "bad key"))
    result = ask("--json", "hi")
    assert result.code == 1
    assert result.types() == ["error", "done"]
    assert "401" in result.events()[0]["message"]
    assert result.events()[1]["status"] == "error"


def test_rate_limit_is_retried_then_succeeds(ask: Asker) -> None:
    ask.server.script(error_reply(429, "slow down", headers={"Retry-After": "0.01"}), text_reply("made it"))
    result = ask("hi")
    assert (result.code, result.out) == (0, "made it\n")
    assert len(ask.server.chat_requests) == 2


def test_rate_limit_after_all_retries_is_exit_1(ask: Asker) -> None:
    write_config("max_retries = 1\n")
    ask.server.script(*[error_reply(429, "slow down", headers={"Retry-After": "0.01"})] * 2)
    result = ask("hi")
    assert result.code == 1
    retrying, failed = result.err.splitlines()
    assert retrying == "tui-chat: rate limited, retrying in 0.0 s (1 of 1)"
    assert "429" in failed


def test_rate_limit_wait_is_said_on_stderr_and_in_json(ask: Asker) -> None:
    write_config("max_retries = 2\n")
    ask.server.script(error_reply(429, "slow down", headers={"Retry-After": "1"}), text_reply("made it"))
    result = ask("--json", "hi")
    assert result.code == 0
    assert result.events()[0] == {
        "type": "retrying",
        "attempt": 1,
        "attempts": 2,
        "delay": 1.0,
        "reason": "rate limited",
    }
    assert result.types()[-2:] == ["finish", "done"] and result.events()[-1]["content"] == "made it"


def test_unreachable_server_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    write_config("max_retries = 0\n")
    result = run_cli(capsys, "ask", "--base-url", "http://127.0.0.1:9/v1", "hi")
    assert result.code == 1
    assert len(result.err.splitlines()) == 1 and "127.0.0.1:9" in result.err


@pytest.mark.parametrize("reason", ["length", "content_filter"])
def test_cut_off_reply_keeps_the_text_and_exits_3(ask: Asker, reason: str) -> None:
    ask.server.script(text_reply("The beginning of a long", finish_reason=reason))
    result = ask("hi")
    assert result.code == 3
    assert result.out == "The beginning of a long\n"
    assert reason in result.err


def test_too_many_tool_rounds_exits_3(ask: Asker) -> None:
    write_config("max_tool_rounds = 1\n")
    ask.server.script(*[tool_calls_reply(("count_string", '{"string": "a"}'))] * 3)
    result = ask("--json", "loop forever")
    assert result.code == 3
    assert result.types()[-2:] == ["error", "done"]


def test_missing_key_is_exit_2_with_how_to_fix(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "ask", "hi")
    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert "OPENAI_API_KEY" in result.err and "--base-url" in result.err


def test_corrupt_config_is_exit_2_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    write_config("model = \n")
    result = run_cli(capsys, "ask", "--base-url", "http://127.0.0.1:9/v1", "hi")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "config.toml, line 1: invalid TOML" in result.err


@pytest.mark.parametrize("argv", [["-"], []])
def test_prompt_from_stdin(ask: Asker, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a prompt from a pipe\n"))
    ask.server.script(text_reply("got it"))
    result = ask(*argv)
    assert result.code == 0
    assert ask.server.chat_requests[0].json["messages"][-1]["content"] == "a prompt from a pipe"


def test_empty_prompt_is_a_usage_error(ask: Asker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    result = ask()
    assert result.code == 2
    assert "no prompt" in result.err
    assert ask.server.requests == []


def test_azure_from_environment(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", f"http://127.0.0.1:{fake_server.port}")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("AZURE_OPENAI_CHAT_DEPLOYMENT", "chat-dep")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2024-06-01")
    monkeypatch.setenv("AZURE_OPENAI_SYSTEM_PROMPT", "Azure system prompt.")
    fake_server.script(text_reply("hello from azure"))
    result = run_cli(capsys, "ask", "hi")
    assert (result.code, result.out) == (0, "hello from azure\n")
    request = fake_server.chat_requests[0]
    assert request.path == "/openai/deployments/chat-dep/chat/completions?api-version=2024-06-01"
    assert request.headers["api-key"] == SECRET
    assert request.json["messages"][0] == {"role": "system", "content": "Azure system prompt."}


def test_stalled_stream_times_out_with_exit_1(ask: Asker) -> None:
    write_config("max_retries = 0\n")
    ask.server.script(sse_reply([chunk("partial ", role="assistant")], stall_after=1))
    result = ask("--timeout", "0.3", "hi")
    assert result.code == 1
    assert result.out == "partial \n"  # what arrived stays printed
    assert "stalled" in result.err and "--timeout" in result.err


def test_dropped_connection_is_exit_1(ask: Asker) -> None:
    ask.server.script(sse_reply([chunk("half a repl", role="assistant")], drop_after=1))
    result = ask("--json", "hi")
    assert result.code == 1
    assert result.types() == ["text", "error", "done"]
    assert result.events()[-1] == {
        "type": "done",
        "content": "half a repl",
        "status": "error",
        "session": ANY,
        "context": ANY,
    }


def test_legacy_functions_mode(ask: Asker) -> None:
    result = ask("--legacy-functions", "--json", "count the characters in 'hello world'")
    assert result.code == 0
    sent = ask.server.chat_requests[0].json
    assert "functions" in sent and "tools" not in sent
    (tool_result,) = [e for e in result.events() if e["type"] == "tool_result"]
    assert tool_result["content"] == "11"
    assert result.events()[-1]["content"] == "The tool returned: 11"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_mode_on_a_terminal_says_thinking_once_per_reply_on_stderr() -> None:
    out, err = _Terminal(), _Terminal()
    output = PlainOutput(out, err)
    for event in (ReasoningDelta("m1", "a"), ReasoningDelta("m1", "b"), TextDelta("m1", "Answer")):
        output.event(event)
    assert out.getvalue() == "Answer"
    assert err.getvalue() == "\x1b[2mthinking…\x1b[0m\n"
