"""Settings loading: precedence, environment (OpenAI and Azure), config file errors, saving."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.commands.helpers import write_config as write_text
from tui_chat import paths
from tui_chat.config import ConfigError, load_settings, mask_secret, save_setting


def write_config(text: str) -> Path:
    write_text(text)
    return paths.config_file()


def test_defaults_without_file_or_environment() -> None:
    settings = load_settings(environ={})
    assert settings.provider == "openai"
    assert settings.model == "gpt-4o-mini"
    assert settings.api_key is None
    assert settings.sources["model"] == "default"
    assert settings.warnings == []


def test_flag_beats_environment_beats_file_beats_default() -> None:
    write_config('model = "from-file"\nbase_url = "http://file/v1"\ntemperature = 0.5\n')
    env = {"OPENAI_BASE_URL": "http://env/v1", "OPENAI_API_KEY": "sk-env"}
    settings = load_settings({"model": "from-flag", "api_key": None}, environ=env)
    assert (settings.model, settings.sources["model"]) == ("from-flag", "command line")
    assert (settings.base_url, settings.sources["base_url"]) == ("http://env/v1", "env OPENAI_BASE_URL")
    assert (settings.temperature, settings.sources["temperature"]) == (0.5, "config file")
    assert (settings.api_key, settings.sources["api_key"]) == ("sk-env", "env OPENAI_API_KEY")
    assert settings.sources["timeout"] == "default"


def test_empty_environment_variable_counts_as_unset() -> None:
    write_config('base_url = "http://file/v1"\n')
    settings = load_settings(environ={"OPENAI_BASE_URL": ""})
    assert settings.base_url == "http://file/v1"


def test_full_config_file_layout() -> None:
    write_config(
        """
# my settings
provider = "openai"
model = "llama3"
system_prompt = "Be brief."
timeout = 12
max_retries = 0
max_tool_rounds = 3
legacy_functions = true
theme = "nord"

[tools]
enabled = true
disabled = ["get_current_weather"]
timeout = 5
output_limit = 1000
files = ["~/my_tools.py"]

[tools.policies]
count_string = "ask"

[keys]
quit = "ctrl+q"
"""
    )
    s = load_settings(environ={})
    assert (s.model, s.system_prompt, s.timeout, s.max_retries, s.max_tool_rounds) == (
        "llama3",
        "Be brief.",
        12.0,
        0,
        3,
    )
    assert s.legacy_functions is True and s.theme == "nord"
    assert s.disabled_tools == ["get_current_weather"]
    assert (s.tool_timeout, s.tool_output_limit, s.tools_files) == (5.0, 1000, ["~/my_tools.py"])
    assert s.tool_policies == {"count_string": "ask"}
    assert s.keys == {"quit": "ctrl+q"}


def test_tools_file_flag_adds_to_the_files_in_the_config() -> None:
    write_config('[tools]\nfiles = ["a.py"]\n')
    settings = load_settings({"tools_files": ["b.py"]}, environ={})
    assert settings.tools_files == ["a.py", "b.py"]


def test_azure_is_detected_from_its_endpoint_variable() -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
        "AZURE_OPENAI_API_KEY": "azure-key-0123456789",
        "OPENAI_API_KEY": "sk-not-for-azure",
        "OPENAI_API_VERSION": "2024-06-01",
        "AZURE_OPENAI_CHAT_DEPLOYMENT": "gpt4o-prod",
        "AZURE_OPENAI_SYSTEM_PROMPT": "You are on Azure.",
    }
    s = load_settings(environ=env)
    assert s.provider == "azure"
    assert s.api_key == "azure-key-0123456789"
    assert s.azure_endpoint == "https://res.openai.azure.com"
    assert s.azure_api_version == "2024-06-01"
    assert s.azure_deployment == "gpt4o-prod"
    assert s.system_prompt == "You are on Azure."
    # The model defaults to the deployment name.
    assert s.model == "gpt4o-prod"


def test_azure_api_version_variable_wins_over_openai_api_version() -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com",
        "AZURE_OPENAI_API_VERSION": "2024-10-21",
        "OPENAI_API_VERSION": "2023-05-15",
    }
    assert load_settings(environ=env).azure_api_version == "2024-10-21"


def test_azure_gets_a_default_api_version() -> None:
    s = load_settings(environ={"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com"})
    assert s.azure_api_version


def test_a_base_url_or_explicit_provider_overrides_azure_detection() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "OPENAI_API_KEY": "sk-x"}
    by_url = load_settings({"base_url": "http://localhost:11434/v1"}, environ=env)
    assert by_url.provider == "openai" and by_url.api_key == "sk-x"
    by_flag = load_settings({"provider": "openai"}, environ=env)
    assert by_flag.provider == "openai"
    write_config('provider = "openai"\n')
    assert load_settings(environ=env).provider == "openai"


def test_explicit_model_is_kept_on_azure() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": "https://r", "AZURE_OPENAI_CHAT_DEPLOYMENT": "dep"}
    assert load_settings({"model": "gpt-4o"}, environ=env).model == "gpt-4o"


def test_azure_system_prompt_variable_is_ignored_for_openai() -> None:
    s = load_settings(environ={"AZURE_OPENAI_SYSTEM_PROMPT": "azure only"})
    assert s.system_prompt is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('model = "x"\ntimeout = \n', ["config.toml, line 2:", "invalid TOML"]),
        ('model = "x"\ntimeout = "fast"\n', ["config.toml, line 2:", "'timeout' must be a number", "'fast'"]),
        ('provider = "bedrock"\n', ["line 1", "'provider' must be one of openai, azure", "'bedrock'"]),
        ("max_retries = -1\n", ["'max_retries' must be at least 0"]),
        ('[tools]\nenabled = "yes"\n', ["line 2", "'tools.enabled' must be true or false"]),
        (
            '[tools.policies]\nx = "always"\ny = "maybe"\n',
            ["line 3", "'tools.policies.y'", "ask, always, never"],
        ),
        ('tools = "all"\n', ["'tools' must be a table"]),
    ],
)
def test_a_broken_config_file_is_one_clear_error(text: str, expected: list[str]) -> None:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={})
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    for part in expected:
        assert part in message


def test_unknown_keys_are_warnings_not_errors() -> None:
    write_config('modle = "typo"\nmodel = "real"\n[tools]\ncolour = 1\n')
    settings = load_settings(environ={})
    assert settings.model == "real"
    assert len(settings.warnings) == 2
    assert "line 1: unknown setting 'modle'" in settings.warnings[0]
    assert "'tools.colour'" in settings.warnings[1]


def test_bad_command_line_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="timeout"):
        load_settings({"timeout": -1.0}, environ={})


def test_save_setting_keeps_comments_and_layout() -> None:
    path = write_config('# my model\nmodel = "x"  # the fast one\n\n[tools]\ntimeout = 5\n')
    save_setting("tools.policies.get_current_weather", "always")
    save_setting("theme", "nord")
    text = path.read_text()
    assert text.startswith('# my model\nmodel = "x"  # the fast one\n')
    assert "[tools]\ntimeout = 5\n" in text
    settings = load_settings(environ={})
    assert settings.tool_policies == {"get_current_weather": "always"}
    assert settings.theme == "nord"


def test_save_setting_creates_a_private_file_in_a_private_dir() -> None:
    path = paths.config_file()
    assert not path.exists()
    save_setting(["tools", "policies", "count_string"], "never")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert load_settings(environ={}).tool_policies == {"count_string": "never"}
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left behind


def test_save_setting_refuses_a_value_that_would_break_the_file() -> None:
    path = write_config('theme = "nord"\n')
    with pytest.raises(ConfigError, match="ask, always, never"):
        save_setting("tools.policies.count_string", "sometimes")
    assert path.read_text() == 'theme = "nord"\n'


def test_save_setting_does_not_touch_a_corrupt_file() -> None:
    path = write_config("model = \n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        save_setting("theme", "nord")
    assert path.read_text() == "model = \n"


@pytest.mark.parametrize(
    ("secret", "shown"),
    [("sk-proj-abcdefghijklmnop1234", "sk-…1234"), ("short", "***"), (None, "(not set)")],
)
def test_secrets_are_masked(secret: str | None, shown: str) -> None:
    assert mask_secret(secret) == shown


def test_the_readme_example_config_loads_cleanly() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    write_config(example)
    settings = load_settings(environ={})
    assert settings.warnings == []
    assert settings.sources["max_tool_rounds"] == "config file"
    assert settings.tool_policies == {"get_current_weather": "ask"}


def test_remove_setting_drops_the_key_and_keeps_comments(isolated_dirs: dict) -> None:
    from tui_chat import config, paths

    path = paths.config_file()
    path.parent.mkdir(parents=True)
    path.write_text('# my settings\nmodel = "gpt-x"  # the one I like\ntemperature = 0.2\n')
    config.remove_setting("temperature")
    text = path.read_text()
    assert "temperature" not in text
    assert "# my settings" in text and "# the one I like" in text
    config.remove_setting(("tools", "policies", "nothing_here"))  # absent: nothing written, no error
    assert path.read_text() == text
