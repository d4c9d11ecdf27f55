"""The bundled themes ship inside the wheel (pyproject: force-include themes ->
tui_chat/bundled_themes) and load from the installed package, not from a source checkout.

Builds the wheel (pip fetches hatchling from the package index), installs it without
dependencies into a fresh venv whose only other import path is this environment's
site-packages (for Textual and friends), and loads the themes from a directory outside the
repository. About 10-30 s; runs in CI like every other test."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
THEME_FILES = sorted(p.name for p in (REPO / "themes").glob("*.toml"))


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, timeout=240
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, REPO)
    if built.returncode != 0:
        if "No matching distribution found for hatchling" in built.stderr:
            pytest.skip("the package index is unreachable (hatchling is needed to build)")
        pytest.fail(f"pip wheel failed:\n{built.stdout}\n{built.stderr}")
    [path] = out.glob("tui_chat-*.whl")
    return path


def test_the_wheel_contains_every_bundled_theme(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("tui_chat/bundled_themes/"))
    assert shipped == THEME_FILES


def test_the_installed_package_loads_its_bundled_themes(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    created = run(sys.executable, "-m", "venv", "--without-pip", venv)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    [venv_site] = [
        Path(p)
        for p in json.loads(
            run(python, "-c", "import site, json; print(json.dumps(site.getsitepackages()))").stdout
        )
    ]
    # Install the wheel without pip in the new venv: this environment's pip, targeting it.
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-compile",
        "--target",
        venv_site,
        wheel,
    )
    assert installed.returncode == 0, installed.stderr
    # Dependencies come from this environment, added after the venv's own site-packages;
    # its .pth files (the editable install of this checkout) are not processed.
    (venv_site / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    check = textwrap.dedent(
        """
        import json, tui_chat
        from tui_chat.ui.themes import bundled_themes_dir, load_themes
        folder = bundled_themes_dir()
        themes, problems = load_themes()
        print(json.dumps({"package": tui_chat.__file__, "folder": str(folder),
                          "themes": sorted(t.name for t in themes), "problems": problems}))
        """
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env_result = subprocess.run(
        [str(python), "-I", "-c", check],
        capture_output=True,
        text=True,
        cwd=outside,
        timeout=120,
        env={"TUI_CHAT_CONFIG_DIR": str(tmp_path / "config"), "PATH": "/usr/bin:/bin"},
    )
    assert env_result.returncode == 0, env_result.stderr
    report = json.loads(env_result.stdout)
    assert report["package"].startswith(str(venv_site))
    assert report["folder"] == str(venv_site / "tui_chat" / "bundled_themes")
    assert report["problems"] == []
    assert report["themes"] == sorted(Path(name).stem for name in THEME_FILES)
