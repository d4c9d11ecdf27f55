"""The command line itself: help, `--version`, `config path`, `config show`."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from tests.commands.helpers import run_cli, write_config
from tui_chat import paths


def test_help_works_as_module_and_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "usage: tui-chat" in out
    assert "ask" in out and "config" in out
    assert "--base-url" in out


def test_version_is_the_package_version_and_loads_nothing_heavy() -> None:
    # The installed metadata and `--version` agree: pyproject reads `__version__` (one source).
    probe = (
        "import sys; from tui_chat.cli import main\n"
        "try: main(['--version'])\nexcept SystemExit as e: code = e.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'openai', 'mcp')"
        " or m.startswith(('tui_chat.config', 'tui_chat.commands.', 'tui_chat.tools')))); sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    printed, loaded = done.stdout.splitlines()
    assert printed == f"tui-chat {version('tui-chat')}"
    assert loaded == "['tui_chat.commands.exit_codes']"
    from_shell = subprocess.run(
        [sys.executable, "-m", "tui_chat", "--version"], capture_output=True, text=True, check=True
    )
    assert from_shell.stdout == f"{printed}\n"


def test_ask_help_lists_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli(capsys, "ask", "--help")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ["--model", "--base-url", "--api-key", "--provider", "--system", "--tools-file"]:
        assert option in out
    for option in ["--no-tools", "--yes", "--timeout", "--legacy-functions", "--json"]:
        assert option in out


def test_bad_option_is_usage_error_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run_cli(capsys, "ask", "--provider", "bedrock", "hi")
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_config_path_prints_config_file_and_database(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "config", "path")
    assert result.code == 0
    assert str(paths.config_file()) in result.out
    assert str(paths.database_file()) in result.out
    assert run_cli(capsys, "config", "path", "config").out == f"{paths.config_file()}\n"
    assert run_cli(capsys, "config", "path", "database").out == f"{paths.database_file()}\n"


def test_config_show_masks_the_key_and_names_sources(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-proj-verysecretvalue-9876"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    write_config('model = "from-file"\ntemperature = 0.3\n')
    result = run_cli(capsys, "config", "show", "--timeout", "7")
    assert result.code == 0
    assert secret not in result.out + result.err
    lines = {line.split()[0]: line for line in result.out.splitlines() if not line.startswith("#")}
    assert "sk-…9876" in lines["api_key"] and "(env OPENAI_API_KEY)" in lines["api_key"]
    assert "from-file" in lines["model"] and "(config file)" in lines["model"]
    assert "7.0" in lines["timeout"] and "(command line)" in lines["timeout"]
    assert "(default)" in lines["max_retries"]


def test_config_show_never_prints_a_key_from_the_file_or_flag(capsys: pytest.CaptureFixture[str]) -> None:
    write_config('api_key = "sk-from-file-secret-1111"\n')
    result = run_cli(capsys, "config", "show")
    assert "sk-from-file-secret-1111" not in result.out
    result = run_cli(capsys, "config", "show", "--api-key", "sk-from-flag-secret-2222")
    assert "sk-from-flag-secret-2222" not in result.out
    assert "sk-…2222" in result.out


def test_config_show_reports_unknown_keys_as_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    write_config('modle = "typo"\n')
    result = run_cli(capsys, "config", "show")
    assert result.code == 0
    assert "warning:" in result.err and "'modle'" in result.err


def test_config_show_with_a_corrupt_file_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    write_config("[tools\n")
    result = run_cli(capsys, "config", "show")
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert str(paths.config_file()) in result.err


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "tui-chat")
    out = subprocess.run([script, "config", "path", "config"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(paths.config_file())


def test_connection_options_before_the_subcommand_are_kept() -> None:
    from tui_chat.cli import build_parser

    args = build_parser().parse_args(
        ["--model", "before", "--base-url", "http://127.0.0.1:1/v1", "ask", "hi"]
    )
    assert args.model == "before"
    assert args.base_url == "http://127.0.0.1:1/v1"
    assert build_parser().parse_args(["--model", "a", "ask", "--model", "b", "hi"]).model == "b"


def test_config_show_lists_endpoints_keys_masked_with_their_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-work-verysecretvalue-4321"
    monkeypatch.setenv("WORK_KEY", secret)
    write_config(
        'base_url = "http://flat/v1"\n'
        '[endpoints.work]\nbase_url = "https://work.example/v1"\napi_key_env = "WORK_KEY"\n'
        'headers = { "X-Token" = "tok-abcdefghijklmnop" }\n'
        '[endpoints.lab]\nbase_url = "http://lab/v1"\napi_key_env = "LAB_KEY"\n'
    )
    result = run_cli(capsys, "config", "show", "--endpoint", "work")
    assert result.code == 0
    assert secret not in result.out + result.err
    section = result.out.split("endpoints (* in use):\n")[1].splitlines()
    rows = {line.replace("*", " ").split()[0]: line for line in section if line.strip()}
    assert rows["work"].startswith("  * work") and "sk-…4321 from variable WORK_KEY" in rows["work"]
    assert "from variable LAB_KEY (not set)" in rows["lab"]
    assert "http://flat/v1" in rows["default"]
    assert "tok-abcdefghijklmnop" not in result.out
    assert "X-Token: tok…mnop" in result.out


def test_the_garbage_collector_is_on_again_whatever_the_command_did(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Start-up runs with the collector off (tui_chat/gc_pause.py); no way out leaves it off."""
    import gc

    from tui_chat.cli import main

    assert gc.isenabled()
    assert main(["config", "path"]) == 0
    assert gc.isenabled()
    assert main(["--theme", "no-such-theme", "--api-key", "k"]) == 2  # the app never started
    assert gc.isenabled()
    with pytest.raises(SystemExit):
        main(["--bogus"])
    assert gc.isenabled()
    capsys.readouterr()
