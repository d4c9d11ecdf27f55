"""`tui-chat doctor` against the loopback fake server in its quirk modes: what the table says,
what --json reports, what is saved for the engine, and the failures a user meets first."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.commands.helpers import Run, run_cli
from tests.fakeserver import FAKE_CONTEXT_WINDOW, FakeServer
from tui_chat.engine import quirks


@pytest.fixture
def quirky() -> Iterator[Any]:
    servers: list[FakeServer] = []

    def start(*modes: str, api_key: str | None = None) -> FakeServer:
        server = FakeServer(quirks=modes, api_key=api_key)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def doctor(capsys: pytest.CaptureFixture[str], server: FakeServer, *extra: str) -> Run:
    return run_cli(capsys, "doctor", "--base-url", server.url, "--probe-timeout", "10", *extra)


def doctor_json(capsys: pytest.CaptureFixture[str], server: FakeServer, *extra: str) -> dict[str, Any]:
    run = doctor(capsys, server, "--json", *extra)
    assert run.code == 0, run
    return json.loads(run.out)


def row(run: Run, name: str) -> str:
    """The result column of one check in the printed table."""
    for line in run.out.splitlines():
        if line[3:].startswith(name + "  "):
            return line[3 + len(name) :].strip()
    raise AssertionError(f"no row {name!r} in:\n{run.out}")


def test_a_standard_server_passes_every_check_and_needs_no_adaptation(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    run = doctor(capsys, fake_server, "--model", "fake-model")
    assert run.code == 0, run.err
    assert row(run, "reachable") == "yes"
    assert row(run, "authenticated") == "yes"
    assert row(run, "models listed").startswith("2: fake-model, fake-model-large")
    assert row(run, "streaming works").startswith("yes")
    assert row(run, "[DONE] sent") == "yes"
    assert row(run, "stream_options") == "accepted"
    assert row(run, "usage reported").startswith("yes")
    assert row(run, "tool calls streamed").startswith("yes, standard shape")
    assert row(run, "tool calls only unstreamed") == "no"
    assert row(run, "parallel calls") == "yes, 2 calls in one response"
    assert row(run, "reasoning field") == "none seen"
    assert row(run, "finish reasons") == "stop, tool_calls"
    assert row(run, "context window") == "not reported"
    assert "adapted: nothing to adapt" in run.out
    saved = quirks.load(fake_server.url, "fake-model")
    assert saved is not None and saved.tool_calls == "standard" and saved.usage_reported is True
    assert saved.adaptations == []


def test_a_llamacpp_like_server_is_described_as_it_is(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    # What llama-cpp-python 0.3.36 with chatml-function-calling does (tests/real_servers).
    modes = ["no_usage", "repeated_tool_ids", "function_call_mirror", "named_tool_choice_only"]
    server = quirky(*modes, "no_parallel", "llamacpp_props")
    run = doctor(capsys, server)
    assert run.code == 0, run.err
    assert row(run, "stream_options") == "accepted"
    assert row(run, "usage reported").startswith("no")
    assert row(run, "tool calls streamed").startswith("yes, but id and name repeated on every delta")
    assert row(run, "tool calls streamed").endswith("also sent as the legacy function_call (counted once)")
    assert row(run, "parallel calls").startswith("no tool call with tool_choice left to the model")
    assert row(run, "context window") == f"{FAKE_CONTEXT_WINDOW} tokens (llama.cpp /props n_ctx)"
    report = doctor_json(capsys, server)
    assert report["quirks"]["tool_calls"] == "repeated"
    assert report["quirks"]["function_call_mirrored"] is True
    assert report["quirks"]["usage_reported"] is False
    assert report["quirks"]["parallel_tool_calls"] is None
    assert report["quirks"]["context_window"] == FAKE_CONTEXT_WINDOW


def test_without_model_flag_the_servers_first_model_is_probed(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    # The built-in default (gpt-4o-mini) is not on a local server; probing it would only fail.
    report = doctor_json(capsys, fake_server)
    assert report["model"] == "fake-model"
    assert {r.json["model"] for r in fake_server.chat_requests} == {"fake-model"}


def test_a_server_refusing_stream_options_is_asked_once_and_then_adapted_to(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    server = quirky("rejects_stream_options")
    run = doctor(capsys, server)
    assert run.code == 0, run.err
    assert row(run, "stream_options").startswith("refused")
    assert "adapted: no stream_options" in run.out
    sent = [("stream_options" in r.json) for r in server.chat_requests]
    assert sent[:2] == [True, False] and not any(sent[2:])
    assert quirks.load(server.url, "fake-model").adaptations == ["no stream_options"]  # type: ignore[union-attr]


def test_a_server_that_only_calls_tools_without_streaming_is_found_out(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    server = quirky("tools_not_streamed")
    run = doctor(capsys, server)
    assert run.code == 0, run.err
    assert row(run, "tool calls streamed").startswith("no tool call came back")
    assert row(run, "tool calls only unstreamed").startswith("yes")
    assert row(run, "parallel calls") == "yes, 2 calls in one response"
    assert "adapted: tools without streaming" in run.out


@pytest.mark.parametrize("mode", ["reasoning_content", "reasoning", "think_tag"])
def test_each_reasoning_field_is_named(capsys: pytest.CaptureFixture[str], quirky: Any, mode: str) -> None:
    report = doctor_json(capsys, quirky(mode))
    assert report["quirks"]["reasoning"] == mode


def test_a_stream_without_done_is_reported(capsys: pytest.CaptureFixture[str], quirky: Any) -> None:
    run = doctor(capsys, quirky("no_done"))
    assert run.code == 0, run.err
    assert row(run, "[DONE] sent") == "no"


@pytest.mark.parametrize(
    ("mode", "source"),
    [
        ("ollama_show", "Ollama /api/show context_length"),
        ("lmstudio_models", "LM Studio /api/v0/models max_context_length"),
        ("vllm_max_model_len", "vLLM /v1/models max_model_len"),
    ],
)
def test_the_context_window_is_read_where_each_server_reports_it(
    capsys: pytest.CaptureFixture[str], quirky: Any, mode: str, source: str
) -> None:
    run = doctor(capsys, quirky(mode))
    assert row(run, "context window") == f"{FAKE_CONTEXT_WINDOW} tokens ({source})"


@pytest.mark.parametrize(
    ("mode", "server"),
    [("ollama_show", "ollama"), ("llamacpp_props", "llama.cpp"), ("lmstudio_models", "lmstudio")],
)
def test_doctor_saves_what_the_server_is(
    capsys: pytest.CaptureFixture[str], quirky: Any, mode: str, server: str
) -> None:
    report = doctor_json(capsys, quirky(mode))
    assert report["quirks"]["server"] == server
    saved = quirks.load(report["base_url"], report["model"])
    assert saved is not None and saved.server == server


def test_a_server_without_a_models_route_is_still_probed(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    run = doctor(capsys, quirky("no_models"), "--model", "fake-model")
    assert run.code == 0, run.err
    assert row(run, "models listed").startswith("no:")
    assert row(run, "streaming works").startswith("yes")


def test_an_unreachable_server_gets_one_line_and_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = run_cli(capsys, "doctor", "--base-url", f"http://127.0.0.1:{port}/v1")
    assert run.code == 1
    assert run.out == ""
    assert run.err.count("\n") == 1 and f"127.0.0.1:{port}" in run.err
    assert "Traceback" not in run.err


def test_a_refused_key_gets_one_line_and_the_key_is_never_printed(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    server = quirky(api_key="sk-right-key-0123456789")
    wrong = "sk-wrong-key-9876543210"
    run = doctor(capsys, server, "--api-key", wrong)
    assert run.code == 1
    assert run.err.count("\n") == 1 and "key" in run.err.lower()
    assert wrong not in run.out + run.err

    report = doctor(capsys, server, "--api-key", "sk-right-key-0123456789", "--json")
    assert report.code == 0
    assert "sk-right-key-0123456789" not in report.out
    assert json.loads(report.out)["api_key"].startswith("sk-…6789")


def test_raw_prints_the_sse_lines_of_one_probe(capsys: pytest.CaptureFixture[str], quirky: Any) -> None:
    run = doctor(capsys, quirky("repeated_tool_ids"), "--raw", "tools")
    assert run.code == 0, run.err
    raw = run.out.split("raw lines of probe 'tools':\n", 1)[1].splitlines()
    data = [line for line in raw if line.startswith("data: {")]
    assert all('"name": "get_weather"' in line for line in data if '"tool_calls": [' in line)
    assert raw[-2:] == ["data: [DONE]", ""]


def test_no_save_leaves_nothing_behind(capsys: pytest.CaptureFixture[str], fake_server: FakeServer) -> None:
    run = doctor(capsys, fake_server, "--no-save")
    assert run.code == 0
    assert not quirks.quirks_file().exists()


def test_azure_settings_from_the_environment_are_probed_with_the_key_masked(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "azure-key-0123456789abcdef"
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", fake_server.url.removesuffix("/v1"))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", key)
    monkeypatch.setenv("AZURE_OPENAI_CHAT_DEPLOYMENT", "fake-model")
    run = run_cli(capsys, "doctor", "--probe-timeout", "10")
    assert run.code == 0, run.err
    assert "provider azure, key azu…cdef (env AZURE_OPENAI_API_KEY)" in run.out
    assert key not in run.out
    assert all("/openai/deployments/fake-model/" in r.path for r in fake_server.chat_requests)
    assert all(r.headers.get("api-key") == key for r in fake_server.chat_requests)


def test_after_doctor_ask_calls_tools_without_streaming_where_they_cannot_stream(
    capsys: pytest.CaptureFixture[str], quirky: Any
) -> None:
    server = quirky("tools_not_streamed")
    assert doctor(capsys, server).code == 0
    before = len(server.chat_requests)
    run = run_cli(
        capsys, "ask", "--base-url", server.url, "--model", "fake-model", "--no-save", "--json",
        "count the characters in 'strawberry'",
    )  # fmt: skip
    assert run.code == 0, run.err
    types = run.types()
    assert types.count("tool_call") == 1 and types.count("tool_result") == 1
    assert run.events()[-1]["content"] == "The tool returned: 10"
    assert [r.json["stream"] for r in server.chat_requests[before:]] == [False, False]


def test_doctor_endpoint_probes_that_endpoint_and_saves_its_quirks(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer, quirky: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.commands.helpers import write_config

    refusing = quirky("rejects_stream_options", api_key="sk-lab-key-0123456789")
    monkeypatch.setenv("LAB_KEY", "sk-lab-key-0123456789")
    write_config(
        f'[endpoints.main]\nbase_url = "{fake_server.url}"\n'
        f'[endpoints.lab]\nbase_url = "{refusing.url}"\napi_key_env = "LAB_KEY"\n'
    )
    run = run_cli(capsys, "doctor", "--endpoint", "lab", "--model", "fake-model", "--probe-timeout", "10")
    assert run.code == 0, run.err
    assert run.out.startswith("endpoint lab\n")
    assert f"server   {refusing.url}" in run.out
    assert "sk-lab-key-0123456789" not in run.out + run.err
    assert "(env LAB_KEY)" in run.out
    assert "adapted: no stream_options" in run.out
    saved = quirks.load(refusing.url, "fake-model")
    assert saved is not None and saved.stream_options is False
    assert quirks.load(fake_server.url, "fake-model") is None  # the other endpoint was not probed
    assert len(fake_server.chat_requests) == 0


def test_doctor_endpoint_without_its_key_variable_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    from tests.commands.helpers import write_config

    write_config(f'[endpoints.lab]\nbase_url = "{fake_server.url}"\napi_key_env = "LAB_KEY"\n')
    run = run_cli(capsys, "doctor", "--endpoint", "lab")
    assert run.code == 2
    assert "LAB_KEY, which is not set" in run.err and "Traceback" not in run.err
