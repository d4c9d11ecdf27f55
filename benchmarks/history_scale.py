"""The session store with a big history: 100,000 messages (2,000 sessions of 50), from several
source trees in the same run (default: this tree and /work/base).

    python benchmarks/history_scale.py [--tree /work/base] [--runs 5] [--no-browser] [--rebuild]

The database is written once through `SessionStore.save_conversation` by the *first* tree given
with --build-with (default /work/base, so it is a file the released code wrote) and cached in
the system temp dir (`tui-chat-history-<sessions>x<messages>/`). Every tree then gets its own
copy, opened in a child process running that tree's code (its own venv's Python when it has
one): its first open includes any migration. Figures are medians of --runs:

- open: `SessionStore.open` (first = with a migration, if the tree has one; then again)
- list: `list_sessions()`, all sessions with their message counts
- search "...": `search(text, limit=100)`, what the session browser sends (its first keystroke
  sends one letter)
- search 'stream' limit 50 (marking branches): what `tui-chat sessions --search` sends, with
  and without walking each hit session's current branch
- browser first rows: the session browser pushed in `App.run_test`, until its first rows are
  set (its `_show`; a long list may come in two steps); then typing one letter until those
  results are set

The text is generated (seeded): common words, "stream" in about a third of the replies, one
rare word ("quixotic") in one message.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = (  # noqa: SIM905 (a paragraph reads better than a list of 150 strings)
    "the a to and of in is it you that for on with as this be are can we not or have by from an "
    "at was but if your will all one so what when which there use more about how time just like "
    "function value model reply token server client request response error message session text "
    "python code line file data list table test answer question example output input string "
    "number return call tool result state screen window render markdown block paragraph heading "
    "select search index query database column row migration schema cache memory buffer thread "
    "loop event task worker process signal timeout retry connection socket header body chunk "
    "parse format encode decode json yaml config option setting theme color style layout widget "
    "scroll follow cursor prompt keyboard terminal shell command argument flag version release"
).split()

BUILD = textwrap.dedent(
    """
    import random, sys, time
    from pathlib import Path
    from tui_chat.engine.conversation import Conversation, Message
    from tui_chat.store import SessionStore
    path, sessions, per, words = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
    rng = random.Random(13)

    def sentence(n):
        return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."

    def text(sentences, streamy):
        parts = [sentence(rng.randint(6, 16)) for _ in range(sentences)]
        if streamy:
            parts.insert(rng.randrange(len(parts)), "The stream of tokens arrives one by one.")
        return " ".join(parts)

    store = SessionStore.open(path)
    start = time.time() - sessions * 3600
    rare = (sessions // 2, per // 2)
    for s in range(sessions):
        messages = []
        for i in range(per):
            if i % 2 == 0:
                body = text(1, False) + "?"
            else:
                body = text(rng.randint(6, 14), rng.random() < 0.33)
            if (s, i) == rare:
                body += " A quixotic idea."
            messages.append(Message(role="user" if i % 2 == 0 else "assistant", content=body))
        conversation = Conversation(messages=messages, model="fake-model")
        store.save_conversation(conversation, created=start + s * 3600, updated=start + s * 3600 + 60)
    store.close()
    """
)

MEASURE = textwrap.dedent(
    """
    import asyncio, json, shutil, statistics, sys, time
    from pathlib import Path
    from tui_chat.store import SessionStore
    path, runs, queries = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    browser = sys.argv[4] == "1"
    out = {}

    def timed(fn):
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value

    out["open (first)"], store = timed(lambda: SessionStore.open(path))
    store.close()
    opens = []
    for _ in range(runs):
        seconds, store = timed(lambda: SessionStore.open(path))
        opens.append(seconds)
        store.close()
    out["open"] = statistics.median(opens)
    store = SessionStore.open(path)
    seconds, found = timed(store.list_sessions)
    out["list (first)"] = seconds
    out["list"] = statistics.median(timed(store.list_sessions)[0] for _ in range(runs))
    out["sessions listed"] = len(found)
    for query in queries:
        times = []
        for _ in range(runs):
            seconds, hits = timed(lambda: store.search(query, limit=100))
            times.append(seconds)
        out[f"search {query!r}"] = statistics.median(times)
        out[f"hits {query!r}"] = len(hits)
    try:  # `tui-chat sessions --search` also marks hits on another branch (trees before: no)
        times = [timed(lambda: store.search("stream", limit=50, branches=True))[0] for _ in range(runs)]
        out["search 'stream' limit 50, marking branches"] = statistics.median(times)
        times = [timed(lambda: store.search("stream", limit=50))[0] for _ in range(runs)]
        out["search 'stream' limit 50"] = statistics.median(times)
    except TypeError:
        pass
    if browser:
        from textual.app import App
        from tui_chat.ui.screens.session_browser import SessionBrowser

        class Host(App[None]):
            pass

        async def browse():
            shown = []
            app = Host()
            async with app.run_test(size=(120, 40)) as pilot:
                screen = SessionBrowser(store, debounce=0)
                original = screen._show

                def spy(generation, text, entries, *more):
                    original(generation, text, entries, *more)  # rows set: painted next frame
                    shown.append((time.perf_counter(), text))

                screen._show = spy
                start = time.perf_counter()
                await app.push_screen(screen)
                while not shown:
                    await pilot.pause(0.005)
                first = shown[0][0] - start
                while len(screen.entries) < len(found) and not any(t == "" for _, t in shown[1:]):
                    await pilot.pause(0.005)  # the rest of a list shown in two steps
                start = time.perf_counter()
                await pilot.press("s")
                while not any(t == "s" for _, t in shown):
                    await pilot.pause(0.005)
                return first, next(at for at, t in shown if t == "s") - start

        first, letter = asyncio.run(browse())
        out["browser first rows"] = first
        out["browser 's' typed -> rows"] = letter
    store.close()
    print(json.dumps(out))
    """
)

QUERIES = ["s", "st", "stream", "stream tokens", "quixotic", "zzzz"]


def python_of(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def child(tree: Path, code: str, *args: str) -> str:
    done = subprocess.run(
        [python_of(tree), "-c", code, *args],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tree}: child failed:\n{done.stderr[-3000:]}")
    return done.stdout


def cached_database(build_tree: Path, sessions: int, per: int, rebuild: bool) -> Path:
    folder = Path(tempfile.gettempdir()) / f"tui-chat-history-{sessions}x{per}"
    db = folder / "sessions.sqlite3"
    if db.exists() and not rebuild:
        return db
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"building {sessions} sessions of {per} messages with {build_tree} ...", flush=True)
    started = time.monotonic()
    child(build_tree, BUILD, str(db), str(sessions), str(per), " ".join(WORDS))
    size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    print(f"  built in {time.monotonic() - started:.0f} s, {size:.0f} MB", flush=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", action="append", type=Path, help="source trees to compare (repeatable)")
    parser.add_argument("--build-with", type=Path, default=Path("/work/base"))
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    trees = [ROOT, *(args.tree or [Path("/work/base")])]
    db = cached_database(args.build_with, args.sessions, args.messages, args.rebuild)
    print(
        f"load average before: {Path('/proc/loadavg').read_text().split()[0]}"
        f"  ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    )
    results: dict[Path, dict[str, float]] = {}
    for tree in trees:
        with tempfile.TemporaryDirectory(prefix="tui-chat-history-") as tmp:
            copy = Path(tmp) / db.name
            shutil.copy(db, copy)
            out = child(
                tree, MEASURE, str(copy), str(args.runs), json.dumps(QUERIES), "0" if args.no_browser else "1"
            )
            results[tree] = json.loads(out.strip().splitlines()[-1])
    labels = list(dict.fromkeys(k for r in results.values() for k in r))
    head = ["", *(str(t) for t in trees)]
    rows = [head]
    for label in labels:
        cells = [label]
        for tree in trees:
            value = results[tree].get(label)
            if value is None:
                cells.append("—")
            elif label.startswith(("hits", "sessions")):
                cells.append(str(int(value)))
            else:
                cells.append(f"{value * 1000:.1f} ms")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"load average after: {Path('/proc/loadavg').read_text().split()[0]}")


if __name__ == "__main__":
    main()
