"""The picker's scan: .gitignore rules, hidden and binary files skipped, batches, fuzzy rank."""

from __future__ import annotations

from pathlib import Path

from tests.waiting import poll_until
from tui_chat.attachments.fuzzy import rank
from tui_chat.attachments.scanner import BackgroundScan, walk_files


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _all(root: Path) -> list[str]:
    return [path for batch in walk_files(root) for path in batch]


def test_gitignore_hidden_and_binary_files_are_skipped(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "*.log\n!keep.log\nbuild/\n/top.txt\n",
            "app.py": "",
            "debug.log": "",
            "keep.log": "",
            "build/out.txt": "",
            "top.txt": "",
            "sub/top.txt": "",
            "sub/.gitignore": "secret.txt\n",
            "sub/secret.txt": "",
            "secret.txt": "",
            ".env": "",
            ".git/config": "",
            "module.pyc": "",
            "logo.png": "",
        },
    )
    assert sorted(_all(tmp_path)) == ["app.py", "keep.log", "logo.png", "secret.txt", "sub/top.txt"]


def test_a_large_tree_arrives_in_batches(tmp_path: Path) -> None:
    _tree(tmp_path, {f"d{n // 100}/f{n}.txt": "" for n in range(1200)})
    batches = list(walk_files(tmp_path))
    assert len(batches) >= 3 and sum(map(len, batches)) == 1200


def test_the_background_scan_fills_its_list_and_says_when_done(tmp_path: Path) -> None:
    _tree(tmp_path, {f"f{n}.txt": "" for n in range(30)})
    scan = BackgroundScan(tmp_path).start()
    poll_until(scan.done.is_set, "the scan to finish")
    assert len(scan.files) == 30


def test_fuzzy_rank_prefers_file_names_and_runs() -> None:
    files = ["docs/readme.md", "tui_chat/ui/app.py", "tests/ui/test_app.py", "tui_chat/attachments/model.py"]
    assert rank("app", files)[0] == "tui_chat/ui/app.py"
    assert rank("tcam", files) == ["tui_chat/attachments/model.py"]
    assert rank("zzz", files) == []
