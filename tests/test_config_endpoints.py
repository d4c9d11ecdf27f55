"""Named endpoints: [endpoints.NAME] tables, choosing one, errors naming file, table and key."""

from __future__ import annotations

import pytest

from tests.commands.helpers import write_config
from tui_chat import paths
from tui_chat.config import ConfigError, load_settings
from tui_chat.config.endpoints import MODEL_NOT_SET, endpoint_names, with_endpoint
from tui_chat.engine.providers import check_settings

TWO_ENDPOINTS = """
default_endpoint = "local"
base_url = "http://flat/v1"

[endpoints.local]
base_url = "http://127.0.0.1:11434/v1"
models = ["llama3", "qwen"]
timeout = 5

[endpoints.work]
base_url = "https://work.example/v1"
api_key_env = "WORK_KEY"
default_model = "gpt-work"
headers = { "X-Team" = "chat" }
legacy_functions = true
"""


def test_default_endpoint_from_the_file_applies_its_connection() -> None:
    write_config(TWO_ENDPOINTS)
    settings = load_settings(environ={})
    assert settings.endpoint == "local"
    assert settings.base_url == "http://127.0.0.1:11434/v1"
    assert settings.model == "llama3"  # the first of its models when no default_model
    assert settings.timeout == 5
    assert settings.sources["base_url"] == "endpoints.local"


def test_selection_precedence_flag_then_env_then_file_then_implicit_default() -> None:
    write_config(TWO_ENDPOINTS)
    env = {"TUI_CHAT_ENDPOINT": "default", "WORK_KEY": "sk-work-0123456789"}
    assert load_settings({"endpoint": "work"}, environ=env).endpoint == "work"
    from_env = load_settings(environ=env)
    assert (from_env.endpoint, from_env.base_url) == ("default", "http://flat/v1")
    write_config(TWO_ENDPOINTS.replace('default_endpoint = "local"\n', ""))
    assert load_settings(environ={}).endpoint == "default"


def test_key_comes_from_the_named_variable_and_headers_apply() -> None:
    write_config(TWO_ENDPOINTS)
    env = {"WORK_KEY": "sk-work-0123456789", "OPENAI_API_KEY": "sk-flat"}
    settings = load_settings({"endpoint": "work"}, environ=env)
    assert settings.api_key == "sk-work-0123456789"
    assert settings.sources["api_key"] == "env WORK_KEY"
    assert (settings.model, settings.legacy_functions) == ("gpt-work", True)
    assert settings.headers == {"X-Team": "chat"}
    assert "sk-work" not in repr(settings)


def test_missing_key_variable_is_a_clear_message() -> None:
    write_config(TWO_ENDPOINTS)
    settings = load_settings({"endpoint": "work"}, environ={})
    with pytest.raises(ConfigError, match="variable WORK_KEY, which is not set"):
        check_settings(settings)


def test_flat_settings_stay_the_implicit_default_endpoint() -> None:
    write_config('base_url = "http://flat/v1"\nmodel = "m"\n')
    settings = load_settings(environ={})
    assert (settings.endpoint, settings.base_url, settings.model) == ("default", "http://flat/v1", "m")
    assert endpoint_names(settings) == ["default"]


def test_endpoint_names_and_switching_back_to_default() -> None:
    write_config(TWO_ENDPOINTS)
    settings = load_settings(environ={})
    assert endpoint_names(settings) == ["default", "local", "work"]
    back = with_endpoint(settings, "default", environ={})
    assert (back.base_url, back.endpoint) == ("http://flat/v1", "default")
    work = with_endpoint(settings, "work", environ={"WORK_KEY": "k"})
    assert (work.base_url, work.api_key) == ("https://work.example/v1", "k")


def test_flags_still_beat_the_endpoint() -> None:
    write_config(TWO_ENDPOINTS)
    settings = load_settings({"model": "qwen"}, environ={})
    assert (settings.endpoint, settings.model, settings.sources["model"]) == ("local", "qwen", "command line")


def test_unknown_endpoint_names_the_configured_ones() -> None:
    write_config(TWO_ENDPOINTS)
    with pytest.raises(
        ConfigError, match=r"command line: no endpoint named 'nope' \(configured: default, local, work\)"
    ):
        load_settings({"endpoint": "nope"}, environ={})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[endpoints.local]\ntimeout = "x"\n', r"line 2: 'endpoints.local.timeout' must be a number"),
        (
            '[endpoints.local]\nprovider = "x"\n',
            r"line 2: 'endpoints.local.provider' must be one of openai, azure",
        ),
        (
            '[endpoints.local]\napi_kye_env = "K"\n',
            r"line 2: 'endpoints.local.api_kye_env' is not an endpoint setting",
        ),
        ("endpoints = 3\n", r"'endpoints' must be a table of \[endpoints.NAME\] tables"),
    ],
)
def test_a_bad_table_is_one_line_naming_file_table_and_key(table: str, message: str) -> None:
    write_config(table)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(environ={})
    assert str(caught.value).startswith(str(paths.config_file()))
    assert "\n" not in str(caught.value)


def test_a_literal_key_works_but_is_warned_about() -> None:
    write_config('[endpoints.x]\nbase_url = "http://x/v1"\napi_key = "sk-literal-0123456789"\n')
    settings = load_settings({"endpoint": "x"}, environ={})
    assert settings.api_key == "sk-literal-0123456789"
    assert any("discouraged" in w and "endpoints.x.api_key" in w for w in settings.warnings)
    assert not any("sk-literal" in w for w in settings.warnings)


def test_an_endpoint_naming_no_model_gets_none_rather_than_a_guess() -> None:
    write_config(
        '[endpoints.ollama]\nbase_url = "http://127.0.0.1:11434/v1"\n'
        '[endpoints.openai]\napi_key_env = "OPENAI_API_KEY"\n'
    )
    ollama = load_settings({"endpoint": "ollama"}, environ={})
    assert (ollama.model, ollama.sources["model"]) == ("", MODEL_NOT_SET)  # not gpt-4o-mini
    assert load_settings({"endpoint": "ollama", "model": "qwen3"}, environ={}).model == "qwen3"
    # On OpenAI's own API the built-in default exists: it still stands in.
    assert load_settings({"endpoint": "openai"}, environ={}).model == "gpt-4o-mini"
