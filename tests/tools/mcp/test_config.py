"""Reading MCP server entries: the mcpServers JSON files, [mcp_servers.NAME] in config.toml,
${VAR} expansion, the child's minimal environment, and one-line problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_chat.config import ConfigError, load_settings
from tui_chat.tools.mcp.config import child_environment, describe_server, load_mcp_config


def write_json(path: Path, servers: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def test_servers_come_from_config_toml_mcp_json_and_each_mcp_config_file(
    isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    config_dir = isolated_dirs["config"]
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        '[mcp_servers.git]\ncommand = "uvx"\nargs = ["mcp-server-git"]\npolicy = "always"\n'
    )
    write_json(config_dir / "mcp.json", {"fs": {"command": "npx", "args": ["-y", "fs"]}})
    extra = write_json(tmp_path / "other.json", {"web": {"url": "http://127.0.0.1:9/mcp", "timeout": 5}})
    settings = load_settings({"mcp_config_files": [str(extra)]})
    config = load_mcp_config(settings, environ={})
    assert config.problems == []
    by_name = {s.name: s for s in config.servers}
    assert by_name["git"].policy == "always" and by_name["git"].args == ("mcp-server-git",)
    assert by_name["fs"].target == "npx -y fs" and by_name["fs"].policy == "ask"
    assert by_name["web"].transport == "http" and by_name["web"].timeout == 5.0


def test_no_mcp_turns_every_server_off(isolated_dirs: dict[str, Path]) -> None:
    write_json(isolated_dirs["config"] / "mcp.json", {"fs": {"command": "npx"}})
    assert load_mcp_config(load_settings({"mcp_enabled": False}), environ={}).servers == []


def test_variables_expand_with_defaults_and_a_missing_one_is_one_line(
    isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    path = write_json(
        tmp_path / "mcp.json",
        {
            "gh": {
                "command": "gh-mcp",
                "env": {"TOKEN": "${GH_TOKEN}", "MODE": "${MODE:-read}"},
            },
            "api": {
                "url": "${API_URL:-http://127.0.0.1:1}/mcp",
                "headers": {"Authorization": "Bearer ${KEY}"},
            },
            "ok": {"command": "true"},
        },
    )
    settings = load_settings({"mcp_config_files": [str(path)]})
    config = load_mcp_config(settings, environ={"GH_TOKEN": "ghp_secret"})
    gh = next(s for s in config.servers if s.name == "gh")
    assert gh.env == {"TOKEN": "ghp_secret", "MODE": "read"}
    assert [s.name for s in config.servers] == ["gh", "ok"]  # the broken one is left out
    assert config.problems == [
        f"{path}: MCP server 'api': environment variable 'KEY' is not set (in 'headers.Authorization'); "
        "set it or write ${KEY:-default}."
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"command": 3}, "'command' must be a string, not a number."),
        ({"command": "x", "args": "a b"}, "'args' must be a list of strings, not 'a b'."),
        ({"command": "x", "timeout": 0}, "'timeout' must be a positive number of seconds, not a number."),
        ({"command": "x", "policy": "maybe"}, "'policy' must be one of ask, always, never, not 'maybe'."),
        ({"url": "ftp://x"}, "'url' must start with http:// or https://, not 'ftp://x'."),
        ({"url": "http://x", "command": "y"}, "give either 'command' (stdio) or 'url' (HTTP), not both."),
        ({"args": []}, "needs a 'command' (a stdio server) or a 'url' (a Streamable HTTP server)."),
        ({"type": "sse", "url": "http://x"}, "'type' \"sse\" (the old HTTP+SSE transport) is not supported"),
        ("npx", "must be an object (a table), not 'npx'."),
    ],
)
def test_a_wrong_entry_is_one_line_and_the_others_still_load(
    tmp_path: Path, entry: object, problem: str
) -> None:
    path = write_json(tmp_path / "mcp.json", {"bad": entry, "good": {"command": "true"}})
    config = load_mcp_config(load_settings({"mcp_config_files": [str(path)]}), environ={})
    assert [s.name for s in config.servers] == ["good"]
    assert len(config.problems) == 1
    assert config.problems[0].startswith(f"{path}: MCP server 'bad': {problem}")


def test_unknown_keys_are_reported_and_the_server_still_loads(tmp_path: Path) -> None:
    path = write_json(tmp_path / "mcp.json", {"fs": {"command": "npx", "autoApprove": [], "alwaysAllow": []}})
    config = load_mcp_config(load_settings({"mcp_config_files": [str(path)]}), environ={})
    assert [s.name for s in config.servers] == ["fs"]
    assert config.problems == [f"{path}: MCP server 'fs': unknown key 'alwaysAllow', 'autoApprove' ignored."]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)."),
        ("[]", 'expected a JSON object like {"mcpServers": {...}}.'),
        ('{"servers": {}}', 'no "mcpServers" object in it, nothing loaded.'),
    ],
)
def test_a_malformed_file_is_one_line_and_the_other_files_still_load(
    tmp_path: Path, text: str, problem: str
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(text)
    good = write_json(tmp_path / "good.json", {"fs": {"command": "npx"}})
    settings = load_settings({"mcp_config_files": [str(broken), str(good)]})
    config = load_mcp_config(settings, environ={})
    assert [s.name for s in config.servers] == ["fs"]
    assert config.problems == [f"{broken}: {problem}"]


def test_a_missing_mcp_config_file_is_reported(tmp_path: Path) -> None:
    config = load_mcp_config(load_settings({"mcp_config_files": [str(tmp_path / "nope.json")]}), environ={})
    assert config.problems == [f"{tmp_path / 'nope.json'}: file not found."]


def test_mcp_servers_in_config_toml_must_be_tables(isolated_dirs: dict[str, Path]) -> None:
    config_dir = isolated_dirs["config"]
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text('mcp_servers = "fs"\n')
    with pytest.raises(ConfigError, match="'mcp_servers' must be a table of"):
        load_settings()


def test_the_child_environment_is_minimal_and_never_holds_the_api_key(tmp_path: Path) -> None:
    path = write_json(tmp_path / "mcp.json", {"fs": {"command": "npx", "env": {"ROOT": "/srv"}}})
    config = load_mcp_config(load_settings({"mcp_config_files": [str(path)]}), environ={})
    parent = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "LANG": "C.UTF-8",
        "OPENAI_API_KEY": "sk-x",
        "AWS_SECRET": "s",
    }
    assert child_environment(config.servers[0], parent) == {
        "PATH": "/bin",
        "HOME": "/home/u",
        "LANG": "C.UTF-8",
        "ROOT": "/srv",
    }


def test_config_show_line_masks_env_and_header_values(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "mcp.json",
        {
            "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "ghp_0123456789abcdef"}},
            "api": {
                "url": "https://mcp.example.test/mcp",
                "headers": {"Authorization": "Bearer abcdefghijkl"},
            },
        },
    )
    config = load_mcp_config(load_settings({"mcp_config_files": [str(path)]}), environ={})
    lines = [describe_server(server) for server in config.servers]
    assert lines == [
        "stdio: gh-mcp; env GITHUB_TOKEN=ghp…cdef; policy ask",
        "http: https://mcp.example.test/mcp; headers Authorization: Bea…ijkl; policy ask",
    ]
    assert "0123456789" not in " ".join(lines)
