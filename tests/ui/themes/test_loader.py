"""Loading user themes: broken files are reported with file and line and skipped, never fatal."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color

from tui_chat import paths
from tui_chat.ui.theme_variables import APP_VARIABLE_DEFAULTS
from tui_chat.ui.themes import (
    DEFAULT_THEME,
    UnknownThemeError,
    add_theme_argument,
    check_colour,
    choose_theme,
    derive_app_variables,
    load_themes,
    parse_theme,
    register_themes,
)

GOOD = """\
name = "mine"
dark = false
primary = "#005f87"
background = "#fafafa"
foreground = "#222222"
"""


def write_user_theme(name: str, text: str) -> Path:
    folder = paths.user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_no_user_folder_is_fine() -> None:
    themes, problems = load_themes()
    assert problems == []
    assert "tui-midnight" in {t.name for t in themes}


def test_a_good_user_theme_loads_with_derived_light_variables() -> None:
    write_user_theme("mine.toml", GOOD)
    themes, problems = load_themes()
    assert problems == []
    mine = {t.name: t for t in themes}["mine"]
    assert set(APP_VARIABLE_DEFAULTS) <= set(mine.variables)
    # A light theme gets light message backgrounds, not the dark literal defaults.
    for name in ("user-message-background", "assistant-message-background", "code-block-background"):
        assert Color.parse(mine.variables[name]).brightness > 0.8, name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\nprimary = "#123456"\ndark = tru\n', "broken.toml: line 3: invalid TOML"),
        ('dark = true\nprimary = "#123456"\n', "broken.toml: missing 'name'"),
        ('name = "x"\nprimary = "#123456"\nprimay = "#fff"\n', "broken.toml: line 3: unknown key 'primay'"),
        ('name = "x"\n\nprimary = "#12345z"\n', "broken.toml: line 3: 'primary': not a colour: '#12345z'"),
        ('name = "x"\nbackground = "#000"\n', "broken.toml: missing 'primary'"),
        ('name = "has space"\nprimary = "#123456"\n', "broken.toml: line 1: 'name' must be"),
        (
            'name = "x"\nprimary = "#123456"\ndark = "yes"\n',
            "broken.toml: line 3: 'dark' must be true or false",
        ),
        (
            'name = "x"\nprimary = "#123456"\n[variables]\nuser-mesage-background = "#000"\n',
            "broken.toml: line 4: unknown variable 'user-mesage-background' (did you mean "
            "'user-message-background'?)",
        ),
        (
            'name = "x"\nprimary = "#123456"\n[variables]\ntool-ok = "greenish"\n',
            "broken.toml: line 4: variable 'tool-ok': not a colour",
        ),
        (
            'name = "x"\nprimary = "#123456"\n[variables]\nblock-cursor-text-style = "heavy"\n',
            "broken.toml: line 4: variable 'block-cursor-text-style': not a text style: 'heavy'",
        ),
    ],
)
def test_a_broken_user_theme_is_reported_and_skipped(text: str, expected: str) -> None:
    write_user_theme("broken.toml", text)
    write_user_theme("mine.toml", GOOD)
    themes, problems = load_themes()
    assert len(problems) == 1
    assert expected in problems[0]
    assert "themes/broken.toml" in problems[0]
    names = {t.name for t in themes}
    assert "mine" in names and "x" not in names and "tui-midnight" in names


def test_unreadable_and_duplicate_files_are_reported() -> None:
    write_user_theme("a.toml", GOOD)
    write_user_theme("b.toml", GOOD)
    (paths.user_themes_dir() / "c.toml").write_bytes(b"\xff\xfe not utf-8")
    write_user_theme("notes.txt", "not a theme")
    themes, problems = load_themes()
    assert [t.name for t in themes].count("mine") == 1
    assert len(problems) == 2
    assert "b.toml: line 1: theme 'mine' is already defined in a.toml; skipped" in problems[0]
    assert "c.toml: cannot read the file" in problems[1]


def test_a_user_theme_overrides_a_bundled_theme_of_the_same_name() -> None:
    write_user_theme("midnight.toml", GOOD.replace('"mine"', f'"{DEFAULT_THEME}"'))
    themes, problems = load_themes()
    assert problems == []
    midnight = [t for t in themes if t.name == DEFAULT_THEME]
    assert len(midnight) == 1 and midnight[0].primary == "#005f87"


def test_check_colour_accepts_what_textual_accepts() -> None:
    for good in (
        "#1e1e1e",
        "#abc",
        "ansi_bright_blue",
        "rgb(1,2,3)",
        "hsl(10,50%,50%)",
        "red",
        "#81a1c1 35%",
    ):
        assert check_colour(good) is None, good
    for bad in ("#12", "ansi_purple", "blue 150%", 12, "light red"):
        assert check_colour(bad) is not None, bad


async def test_register_themes_gives_textual_builtins_the_app_variables() -> None:
    write_user_theme("broken.toml", "nonsense")
    app = App[None]()
    problems = register_themes(app)
    assert len(problems) == 1 and "broken.toml" in problems[0]
    for name in ("tui-midnight", "tui-terminal", "nord", "catppuccin-latte", "ansi-light"):
        theme = app.available_themes[name]
        assert set(APP_VARIABLE_DEFAULTS) <= set(theme.variables), name
    latte = app.available_themes["catppuccin-latte"].variables
    assert Color.parse(latte["assistant-message-background"]).brightness > 0.8


def test_derived_variables_follow_the_theme() -> None:
    dark = parse_theme('name = "d"\nprimary = "#6ea8fe"\nbackground = "#101010"\n')
    values = derive_app_variables(dark)
    assert set(values) == set(APP_VARIABLE_DEFAULTS)
    assert Color.parse(values["user-message-background"]).brightness < 0.3
    ansi = parse_theme('name = "a"\nansi = true\nprimary = "ansi_blue"\n')
    assert ansi.variables["tool-ok"] == "ansi_green"
    assert ansi.variables["ansi-background"] == "ansi_black"


def test_choose_theme() -> None:
    names = ["tui-midnight", "tui-daylight", "nord"]
    assert choose_theme(names) == ("tui-midnight", [])
    assert choose_theme(names, configured="nord") == ("nord", [])
    assert choose_theme(names, requested="tui-daylight", configured="nord") == ("tui-daylight", [])
    chosen, problems = choose_theme(names, configured="gone")
    assert chosen == "tui-midnight"
    assert problems == ["config: theme 'gone' not found; using 'tui-midnight'"]
    with pytest.raises(UnknownThemeError) as caught:
        choose_theme(names, requested="tui-dayligth")
    message = str(caught.value)
    assert "did you mean 'tui-daylight'?" in message
    assert "available themes: nord, tui-daylight, tui-midnight" in message


def test_theme_argument() -> None:
    parser = argparse.ArgumentParser()
    add_theme_argument(parser)
    assert parser.parse_args([]).theme is None
    assert parser.parse_args(["--theme", "tui-paper"]).theme == "tui-paper"


def test_the_checker_lists_themes_and_reports_problems(capsys: pytest.CaptureFixture[str]) -> None:
    from tui_chat.ui.themes import main

    assert main([]) == 0
    listing = capsys.readouterr().out
    assert "tui-high-contrast" in listing and "bundled" in listing
    bad = write_user_theme("bad.toml", 'name = "x"\nprimary = "#zzz"\n')
    assert main([]) == 1
    assert "bad.toml: line 2: 'primary': not a colour" in capsys.readouterr().out
    good = write_user_theme("good.toml", GOOD)
    assert main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok: mine (light)" in out and "line 2" in out
    assert main(["--variables"]) == 0
    assert "user-message-background  (app)" in capsys.readouterr().out


async def test_setup_themes_registers_and_chooses() -> None:
    from tui_chat.ui.themes import setup_themes

    write_user_theme("mine.toml", GOOD)
    app = App[None]()
    assert setup_themes(app)[0] == []
    assert app.theme == DEFAULT_THEME
    assert setup_themes(App[None](), configured="gone")[0] == [
        "config: theme 'gone' not found; using 'tui-midnight'"
    ]
    chosen = App[None]()
    setup_themes(chosen, requested="mine", configured="tui-paper")
    assert chosen.theme == "mine"
    with pytest.raises(UnknownThemeError):
        setup_themes(App[None](), requested="nope")


async def test_themes_left_for_after_the_first_frame_are_all_there_once_finished() -> None:
    """Start-up reads only the chosen bundled theme; the rest (and the app variables of
    Textual's built-ins) come with `finish()`, and a user theme still wins over a bundled one."""
    from tui_chat.ui.themes import THEME_SOURCES, setup_themes

    write_user_theme("paper.toml", GOOD.replace('name = "mine"', 'name = "tui-paper"'))
    app = App[None]()
    problems, later = setup_themes(app, configured="tui-ember")
    assert problems == [] and app.theme == "tui-ember"
    assert set(APP_VARIABLE_DEFAULTS) <= set(app.available_themes["tui-ember"].variables)
    later.finish()
    assert later.done
    bundled = {path.stem for path in (Path(__file__).resolve().parents[3] / "themes").glob("*.toml")}
    assert bundled <= set(app.available_themes)
    assert THEME_SOURCES["tui-paper"].origin == "user"
    assert (
        app.available_themes["tui-paper"].variables
        == parse_theme(GOOD.replace('name = "mine"', 'name = "tui-paper"')).variables
    )
    for name in ("nord", "catppuccin-latte", "ansi-light"):
        assert set(APP_VARIABLE_DEFAULTS) <= set(app.available_themes[name].variables), name


def test_the_theme_option_does_not_load_textual() -> None:
    import subprocess
    import sys

    code = "import sys, tui_chat.ui.theme_option; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
