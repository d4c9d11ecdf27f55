"""User tool files: good ones load, broken ones are reported in one line, the rest still load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tui_chat.config import Settings
from tui_chat.tools.setup import ToolSetup, build_registry

GOOD = """
    from tui_chat import tool

    @tool
    def shout(text: str) -> str:
        '''Make text loud.'''
        return text.upper()

    @tool(policy="always", timeout=3)
    def whisper(text: str) -> str:
        return text.lower()

    def helper() -> None:
        '''Not a tool: no @tool.'''
"""


@pytest.fixture
def tools_dir(isolated_dirs: dict[str, Path]) -> Path:
    folder = isolated_dirs["config"] / "tools"
    folder.mkdir(parents=True)
    return folder


def write(path: Path, source: str) -> str:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return str(path)


def build(*tools_files: str, **settings: object) -> ToolSetup:
    return build_registry(Settings(tools_files=list(tools_files), **settings))  # type: ignore[arg-type]


async def test_tools_file_functions_are_registered_and_run(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.py", GOOD)
    setup = build(path)

    assert setup.problems == []
    shout, whisper = setup.registry.get("shout"), setup.registry.get("whisper")
    assert shout is not None and whisper is not None
    assert (shout.source, shout.policy, shout.description) == (path, "ask", "Make text loud.")
    assert (whisper.policy, whisper.timeout) == ("always", 3)
    assert setup.registry.get("helper") is None
    assert (await setup.registry.execute("shout", '{"text": "hi"}')).content == "HI"


def test_every_py_file_in_the_config_tools_folder_loads(tools_dir: Path) -> None:
    write(tools_dir / "mine.py", GOOD)
    write(tools_dir / "_helpers.py", "raise RuntimeError('helpers are not tool files')")
    (tools_dir / "notes.txt").write_text("not python")

    setup = build()
    assert setup.problems == []
    assert {"shout", "whisper"} <= set(setup.registry.names())


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def broken(:\n    pass\n", "syntax error on line 1"),
        (
            "from tui_chat import tool\n\nraise RuntimeError('no config')\n",
            "(RuntimeError: no config, line 3)",
        ),
        ("import module_that_does_not_exist\n", "(ModuleNotFoundError: No module named"),
        ("import sys\nsys.exit(1)\n", "(SystemExit: 1, line 2)"),
        (
            "from tui_chat import tool\n\n@tool\ndef pick(items: set[int]) -> int:\n    return 0\n",
            "'pick', parameter 'items': unsupported type annotation",
        ),
    ],
    ids=["syntax-error", "raises", "missing-import", "sys-exit", "bad-annotation"],
)
def test_a_broken_file_is_reported_and_the_others_still_load(
    tmp_path: Path, source: str, reason: str
) -> None:
    broken = write(tmp_path / "broken.py", source)
    good = write(tmp_path / "good.py", GOOD)

    setup = build(broken, good)
    (problem,) = setup.problems
    assert problem.startswith(f"Tools file {broken}: ")
    assert reason in problem
    assert "\n" not in problem
    assert "shout" in setup.registry.names()


def test_missing_file_is_reported(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.py")
    setup = build(missing)
    assert setup.problems == [f"Tools file {missing}: file not found."]
    assert "count_string" in setup.registry.names()


def test_file_without_tools_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.py", "X = 1\n")
    assert build(path).problems == [f"Tools file {path}: defines no @tool functions, nothing loaded."]


def test_builtins_win_a_name_clash_and_the_first_user_file_wins_among_users(tmp_path: Path) -> None:
    first = write(tmp_path / "first.py", GOOD)
    second = write(
        tmp_path / "second.py",
        """
        from tui_chat import tool

        @tool
        def count_string(string: str) -> int:
            return -1

        @tool
        def shout(text: str) -> str:
            return "second"
        """,
    )
    setup = build(first, second)

    assert setup.problems == [
        f"Tools file {second}: skipped 'count_string', already taken by a built-in.",
        f"Tools file {second}: skipped 'shout', already taken by one from {first}.",
    ]
    assert setup.registry.get("count_string").source == "builtin"  # type: ignore[union-attr]
    assert setup.registry.get("shout").source == first  # type: ignore[union-attr]


def test_tools_imported_into_a_file_are_not_registered_twice(tmp_path: Path) -> None:
    path = write(
        tmp_path / "reuse.py",
        """
        from tui_chat import tool
        from tui_chat.tools.builtin.text import count_string

        @tool
        def count_twice(string: str) -> int:
            return 2 * count_string(string)
        """,
    )
    setup = build(path)
    assert setup.problems == []
    assert setup.registry.get("count_twice").source == path  # type: ignore[union-attr]


def test_the_same_file_given_twice_loads_once(tools_dir: Path) -> None:
    path = write(tools_dir / "mine.py", GOOD)
    assert build(path, path).problems == []


def test_no_tools_means_no_user_code_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path / "side_effect.py", f"open({str(marker)!r}, 'w').close()\n")
    setup = build(path, tools_enabled=False)
    assert setup.registry.names() == []
    assert setup.registry.openai_tools() == []
    assert not marker.exists()
