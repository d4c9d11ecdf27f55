"""`tui-chat sessions`, `tui-chat export` and `tui-chat import`, run in-process."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.store.support import WallClock, chat, weather_conversation
from tui_chat import paths
from tui_chat.cli import main
from tui_chat.engine.conversation import Conversation, Message
from tui_chat.engine.conversation_tree import add_sibling


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def tui_chat(capsys: pytest.CaptureFixture[str]):
    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def saved(*conversations: Conversation, archived: tuple[Conversation, ...] = ()) -> None:
    from tui_chat.store import SessionStore

    with SessionStore.open(now=WallClock()) as store:
        for conv in (*conversations, *archived):
            store.save_conversation(conv, provider="openai")
        for conv in archived:
            store.set_archived(conv.id)


def test_sessions_on_a_fresh_install_says_there_are_none(tui_chat) -> None:
    run = tui_chat("sessions")
    assert (run.code, run.out, run.err) == (0, "No saved sessions yet.\n", "")
    assert json.loads(tui_chat("sessions", "--json").out) == []


def test_sessions_lists_the_most_recent_first_as_a_table(tui_chat) -> None:
    older, newer = chat("Older chat", "a"), weather_conversation()
    saved(older, newer)

    lines = tui_chat("sessions").out.splitlines()

    assert lines[0].split() == ["ID", "LAST", "USED", "MSGS", "MODEL", "TITLE"]
    assert lines[1].startswith(newer.id[:8]) and lines[1].endswith("What's the weather in Paris today?")
    assert lines[2].startswith(older.id[:8]) and lines[2].endswith("Older chat")
    assert "  3  gpt-4o-mini  " in lines[1]


def test_sessions_json_has_full_ids_and_details(tui_chat) -> None:
    conv = weather_conversation()
    saved(conv)
    [entry] = json.loads(tui_chat("sessions", "--json").out)
    assert entry["id"] == conv.id
    assert (entry["title"], entry["model"], entry["provider"]) == (
        "What's the weather in Paris today?",
        "gpt-4o-mini",
        "openai",
    )
    assert entry["message_count"] == 3 and entry["archived"] is False
    assert entry["updated"].startswith("20")  # ISO 8601


def test_archived_sessions_show_with_all(tui_chat) -> None:
    saved(chat("visible"), archived=(chat("tucked away"),))
    assert "tucked away" not in tui_chat("sessions").out
    listing = tui_chat("sessions", "--all").out
    assert "tucked away [archived]" in listing and "visible" in listing


def test_sessions_search_shows_matches_marked(tui_chat) -> None:
    conv = weather_conversation()
    saved(conv, chat("pancakes", "flour and eggs"))

    run = tui_chat("sessions", "--search", "sunn")

    assert run.code == 0
    assert run.out.splitlines() == [
        f"{conv.id[:8]}  What's the weather in Paris today?",
        f'{"":8}  tool: {{"temperature": 21, "sky": "**sunny**"}}',
    ]
    assert tui_chat("sessions", "--search", "nothing-like-this").out == "No matches.\n"


def test_sessions_search_json_gives_match_offsets(tui_chat) -> None:
    saved(chat("question", "The quick brown fox"))
    [hit] = json.loads(tui_chat("sessions", "--search", "brown", "--json").out)
    start, end = hit["matches"][0]
    assert hit["snippet"][start:end] == "brown"
    assert hit["role"] == "assistant"


def test_export_prints_markdown_by_default_and_accepts_a_prefix(tui_chat) -> None:
    conv = weather_conversation()
    saved(conv)
    run = tui_chat("export", conv.id[:6])
    assert run.code == 0
    assert run.out.startswith("# What's the weather in Paris today?\n")


def test_export_json_to_a_private_file_then_import_it_back(tui_chat, tmp_path: Path) -> None:
    conv = weather_conversation()
    saved(conv)
    target = tmp_path / "session.json"

    run = tui_chat("export", conv.id, "--format", "json", "-o", str(target))

    assert (run.code, run.out) == (0, "")
    assert str(target) in run.err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["session"]["id"] == conv.id

    paths.database_file().unlink()  # a new machine: import into an empty store
    imported = tui_chat("import", str(target))
    assert imported.code == 0
    assert imported.out == (
        f'Imported "What\'s the weather in Paris today?" (3 messages) as session {conv.id}\n'
    )
    assert tui_chat("export", conv.id, "--format", "json").out.count('"role"') == 4


def test_a_session_on_a_named_endpoint_imports_back_on_it(tui_chat, tmp_path: Path) -> None:
    conv = chat("On the work server", "ok")
    conv.endpoint = "work"
    saved(conv)
    target = tmp_path / "work.json"
    assert tui_chat("export", conv.id, "--format", "json", "-o", str(target)).code == 0
    paths.database_file().unlink()

    assert tui_chat("import", str(target)).code == 0

    [listed] = json.loads(tui_chat("sessions", "--json", "--endpoint", "work").out)
    assert (listed["id"], listed["endpoint"]) == (conv.id, "work")


def test_importing_twice_says_already_imported_unless_copy(tui_chat, tmp_path: Path) -> None:
    conv = chat("twice")
    saved(conv)
    target = tmp_path / "s.json"
    tui_chat("export", conv.id, "--format", "json", "-o", str(target))
    run = tui_chat("import", str(target))
    assert run.code == 0 and f"Already imported as session {conv.id}" in run.out
    assert len(json.loads(tui_chat("sessions", "--json").out)) == 1  # no duplicate
    run = tui_chat("import", "--copy", str(target))
    assert run.code == 0 and f"a session with id {conv.id} already exists" in run.out
    assert len(json.loads(tui_chat("sessions", "--json").out)) == 2


def test_export_does_not_overwrite_a_file_without_force(tui_chat, tmp_path: Path) -> None:
    conv = chat("keep my file")
    saved(conv)
    target = tmp_path / "notes.md"
    target.write_text("my own notes")
    run = tui_chat("export", conv.id, "-o", str(target))
    assert run.code == 2 and "exists: pass --force" in run.err
    assert target.read_text() == "my own notes"
    run = tui_chat("export", conv.id, "-o", str(target), "--force")
    assert run.code == 0 and target.read_text().startswith("# keep my file")


def test_export_of_an_unknown_session_fails_clearly(tui_chat) -> None:
    run = tui_chat("export", "nope")
    assert (run.code, run.out) == (2, "")  # a usage error, as `ask --session nope`
    assert run.err == "tui-chat: no saved session matches 'nope' (`tui-chat sessions` lists them)\n"


def test_import_reports_what_is_wrong(tui_chat, tmp_path: Path) -> None:
    missing = tui_chat("import", str(tmp_path / "absent.json"))
    assert missing.code == 2 and "cannot read" in missing.err and "No such file" in missing.err

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "tui-chat-session", "version": 1, "session": {}}')
    run = tui_chat("import", str(bad))
    assert (run.code, run.out) == (2, "")
    assert run.err == f"tui-chat: cannot import {bad}: missing field session.messages\n"


def test_a_damaged_database_is_reported_and_the_command_still_works(tui_chat) -> None:
    db = paths.database_file()
    db.parent.mkdir(parents=True)
    db.write_bytes(b"\x00garbage" * 500)
    run = tui_chat("sessions")
    assert run.code == 0 and run.out == "No saved sessions yet.\n"
    assert run.err.startswith(f"tui-chat: warning: The session database {db} was damaged")


def test_usage_errors_exit_with_2(tui_chat) -> None:
    with pytest.raises(SystemExit) as exited:
        tui_chat("export", "abc", "--format", "pdf")
    assert exited.value.code == 2


@pytest.mark.parametrize(
    ("command", "given"), [("ask", []), ("export", ["abc"]), ("import", ["f.json"]), ("sessions", [])]
)
def test_an_unknown_option_shows_the_usage_of_its_command(
    command: str, given: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, *given, "--bogus"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: tui-chat {command}") and "unrecognized arguments: --bogus" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from tui_chat import __version__

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"tui-chat {__version__}\n"


def test_sessions_search_finds_text_on_a_branch_not_shown_and_names_its_message(tui_chat) -> None:
    conv = chat("Which bread?", "Rye bread.")
    rye = conv.messages[1]
    add_sibling(conv, rye.id, Message("assistant", "Sourdough bread."))  # regenerated
    saved(conv)

    [hit] = json.loads(tui_chat("sessions", "--search", "rye", "--json").out)

    assert (hit["session_id"], hit["message_id"]) == (conv.id, rye.id)
    from tui_chat.store import SessionStore

    with SessionStore.open() as store:
        assert [m.content for m in store.load(conv.id).messages] == ["Which bread?", "Sourdough bread."]
        assert [m.content for m in store.load_branch(conv.id, rye.id).messages] == [
            "Which bread?",
            "Rye bread.",
        ]


def bread_session() -> tuple[Conversation, Message]:
    """Rye bread, then regenerated into sourdough (on screen); a follow-up below sourdough."""
    conv = chat("Which bread?", "Rye bread.")
    rye = conv.messages[1]
    add_sibling(conv, rye.id, Message("assistant", "Sourdough bread."))
    conv.add(Message("user", "Which flour for bread?"))
    saved(conv)
    return conv, rye


def test_sessions_search_marks_hits_on_another_branch_and_says_how_to_open_them(tui_chat) -> None:
    _, rye = bread_session()

    lines = tui_chat("sessions", "--search", "rye").out.splitlines()

    assert lines[1] == f"          assistant [other branch, message {rye.id[:8]}]: **Rye** bread."
    assert "`tui-chat --session ID --message MSG` opens that branch" in lines[-1]
    # A hit on the branch the session shows is not marked, and the note is left out.
    shown = tui_chat("sessions", "--search", "sourdough").out
    assert "other branch" not in shown and "assistant: **Sourdough** bread." in shown
    [rye_hit] = json.loads(tui_chat("sessions", "--search", "rye", "--json").out)
    [sourdough_hit] = json.loads(tui_chat("sessions", "--search", "sourdough", "--json").out)
    assert (rye_hit["other_branch"], sourdough_hit["other_branch"]) == (True, False)


def test_export_of_a_hit_on_another_branch_shows_that_branch_and_leaves_the_session(tui_chat) -> None:
    conv, rye = bread_session()

    run = tui_chat("export", conv.id[:8], "--message", rye.id[:8])

    assert run.code == 0 and "Rye bread." in run.out and "Sourdough" not in run.out
    shown = tui_chat("export", conv.id, "--format", "json").out
    assert json.loads(shown)["session"]["current_leaf"] == conv.messages[-1].id  # unchanged
    unknown = tui_chat("export", conv.id, "--message", "zzzz")
    assert unknown.code == 2 and "no message 'zzzz'" in unknown.err


def test_sessions_json_names_a_forks_origin(tui_chat) -> None:
    conv = chat("Plan a trip", "Lisbon.")
    saved(conv)
    from tui_chat.store import SessionStore

    with SessionStore.open() as store:
        fork_id = store.fork(conv.id, conv.messages[1].id)
    listed = {s["id"]: s for s in json.loads(tui_chat("sessions", "--json").out)}
    assert listed[fork_id]["title"] == "Plan a trip (fork)"
    assert listed[fork_id]["origin"] == {"session": conv.id, "message": conv.messages[1].id}
    assert listed[conv.id]["origin"] is None
