"""Headless context figures: `ask --json` says how full the context is in `done`, and
`sessions --json` lists each session's token totals."""

from __future__ import annotations

import json

import pytest

from tests.commands.helpers import run_cli, write_config
from tests.fakeserver import FakeServer, text_reply, usage_chunk
from tui_chat.engine.context_budget import MESSAGE_OVERHEAD, estimate_text


def test_ask_json_done_carries_the_context_exact_from_usage(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    write_config('[models."fake-*"]\ncontext_window = 8000\n')
    fake_server.script(text_reply("Hello there"))
    run = run_cli(
        capsys, "ask", "--json", "--no-tools", "--base-url", fake_server.url, "--model", "fake-model", "hi"
    )
    assert run.code == 0, run
    events = [json.loads(line) for line in run.out.splitlines()]
    usage = events[-2]["usage"]
    assert events[-1]["context"] == {
        "used": usage["prompt_tokens"] + usage["completion_tokens"],
        "window": 8000,
        "estimated": False,
    }


def test_ask_json_estimates_when_the_server_reports_no_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeServer(quirks=["no_usage"]) as server:
        run = run_cli(
            capsys, "ask", "--json", "--no-tools", "--base-url", server.url, "--model", "my-model", "hi"
        )
    assert run.code == 0, run
    done = json.loads(run.out.splitlines()[-1])
    assert done["context"]["estimated"] is True and done["context"]["window"] is None
    assert done["context"]["used"] >= 2 * MESSAGE_OVERHEAD + estimate_text("hi")


def test_sessions_json_lists_token_totals(
    capsys: pytest.CaptureFixture[str], fake_server: FakeServer
) -> None:
    from tests.fakeserver import chunk, sse_reply

    for _ in range(2):
        fake_server.script(
            sse_reply([chunk("ok", role="assistant", finish_reason="stop"), usage_chunk(100, 7)])
        )
    base = ("--no-tools", "--base-url", fake_server.url, "--model", "fake-model")
    assert run_cli(capsys, "ask", *base, "first").code == 0
    assert run_cli(capsys, "ask", *base, "--continue", "second").code == 0
    [entry] = json.loads(run_cli(capsys, "sessions", "--json").out)
    assert entry["tokens"] == {"prompt": 200, "completion": 14}
