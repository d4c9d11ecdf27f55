"""Stream a long Markdown reply into tui-chat (any number of executables, e.g. this tree's and
/work/base's) in a real tmux terminal (120x40), beside two baselines measured the same way in the
same run, and read every figure off the screen.

    python benchmarks/tmux_stream.py [--app PATH ...] [--tokens 8000] [--tps 200] [--runs 1]
                                     [--startup-runs 5] [--no-stream] [--no-startup] [--data-dir DIR]

The baselines, every run: a print-as-you-go client (`benchmarks/print_client.py`: standard
library HTTP, prints each delta; the least a client can cost while streaming) and a bare Textual
app (`benchmarks/bare_textual.py`: Header, empty Markdown, TextArea, Footer; Textual's own
start-up). tui-chat's figures are printed in seconds and as ratios to them.

Start-up: launch in a fresh terminal -> first screen up (a Textual app on the alternate screen;
tui-chat with its prompt) -> a typed word echoed in the prompt. One untimed launch of each
program first (bytecode caches), then --startup-runs launches, interleaved; medians.

Streaming, per run and program: a fresh server (`tests/fakeserver.py --log-streams`, a
subprocess) and a fresh terminal (own socket, no user config, temporary config and data
folders); types "long N at T" + Enter and polls `tmux capture-pane -p` every 50 ms. The
benchmark never scrolls: it types only the prompt and, midway, a few letters.

- server stream: first to last text chunk as the server wrote them (its `stream` log line,
  `time.monotonic()`, which is the same clock in every process on Linux); a client that reads
  slowly stretches it through TCP back-pressure, so compare it with the nominal tokens / tps
- first text shown: Enter -> the reply's "A long reply" heading is on screen
- last token shown: Enter -> the reply's unique last line ("End of the long reply (N tokens).")
  is on screen; lag at end = that moment minus the server's last text chunk
- CPU: utime + stime of the app process (all its threads; /proc/PID/stat, in SC_CLK_TCK), plus
  its live descendants and its reaped children, from just before Enter until the last line shows;
  "to idle" also counts the final full render, until the status bar says "ready" plus 1 s;
  per quarter of the server stream, as a share of one core (flat = bounded as the reply grows)
- peak RSS: the app process's VmHWM (/proc/PID/status) once the reply is done
- follow (a heuristic): every poll, the newest marker on screen ("Section k:", "Things to
  check k", "value k", "fibonacci_k(" or the last line; 150-300 characters apart) is located in
  the reply text, and the server log turns that offset into the time the server sent it (the
  server paces chunks evenly). View lag = poll time minus that time. A view at the bottom shows
  a marker at most ~0.4 s of text old, plus the app's render gate (up to 0.5 s) and the poll, so
  about 1 s at worst; a view that stopped following falls behind without bound. The view
  followed if the lag is under 2 s. Reported at 25/50/75 % of the server stream (the sample
  nearest, with the newest marker on screen / the newest the server had sent) and over all polls
- screen changes: polls during the stream in which the log area differed from the previous
  poll, per second (at most ~15/s can be seen), and the longest time it stayed unchanged
- key echo (tui-chat only): at 35/50/65 % of the stream a short unique word is typed into the
  prompt; latency is until it shows inside the prompt box (polled every 10 ms); then ctrl+u
  clears it

Other apps (elia, oterm) are driven by `benchmarks/peers.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import queue
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakeserver import long_markdown  # noqa: E402

WIDTH, HEIGHT = 120, 40
POLL = 0.05  # capture-pane interval while the reply streams
KEY_POLL = 0.01  # capture-pane interval while waiting for a typed word to echo
FOLLOW_LAG = 2.0  # seconds: a view showing text older than this did not follow the stream
KEY_AT = (0.35, 0.50, 0.65)  # when to type, as fractions of the nominal stream duration
CHARS_PER_TOKEN = 4  # the demo bot sends 4 characters per chunk ("token")
CLK_TCK = os.sysconf("SC_CLK_TCK")

MARKERS = [
    (re.compile(r"Section (\d+): streaming text"), "## Section {n}: streaming text"),
    (re.compile(r"Things to check (\d+)"), "### Things to check {n}"),
    (re.compile(r"value (\d+) "), "| value {n} |"),
    (re.compile(r"fibonacci_(\d+)\("), "def fibonacci_{n}("),
]


# --- processes ----------------------------------------------------------------------------------


def tui_chat_command() -> str:
    beside_python = Path(sys.executable).with_name("tui-chat")
    found = str(beside_python) if beside_python.exists() else shutil.which("tui-chat")
    if not found:
        raise SystemExit("the tui-chat command is not installed (pip install -e .)")
    return found


@dataclass
class ProcTimes:
    own: int  # utime + stime, in clock ticks
    reaped: int  # cutime + cstime: children that exited and were waited for


def proc_times(pid: int) -> ProcTimes | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return ProcTimes(own=int(fields[11]) + int(fields[12]), reaped=int(fields[13]) + int(fields[14]))


def children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(c) for c in (task / "children").read_text().split()]
    return out


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children(child)
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its live descendants and its reaped children."""
    total = 0
    main = proc_times(pid)
    if main is not None:
        total += main.own + main.reaped
    for child in descendants(pid):
        times = proc_times(child)
        if times is not None:
            total += times.own
    return total / CLK_TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK, sum(values[:8]) / CLK_TCK


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def is_process(pid: int, name: str) -> bool:
    """A Python process running `name` (an executable or script, by file name)."""
    argv = cmdline(pid)
    return bool(argv) and "python" in Path(argv[0]).name and any(Path(a).name == name for a in argv)


def peak_rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


class Server:
    """The fake server in a subprocess; a thread collects its `stream {json}` lines."""

    def __init__(self, tps: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakeserver", "--port", "0", "--tps", str(tps), "--log-streams"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.close()
            raise SystemExit(f"the fake server did not start: {self.url!r}")
        self.streams: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("stream "):
                self.streams.put(json.loads(line[len("stream ") :]))

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


class Terminal:
    """A tmux server of our own (own socket, no user config) with one detached 120x40 session."""

    def __init__(self, name: str) -> None:
        self.socket = name
        self.session = name
        self.tmux_path = shutil.which("tmux")
        if self.tmux_path is None:
            raise SystemExit("tmux is not installed")

    def tmux(self, *args: str, check: bool = True) -> str:
        assert self.tmux_path is not None
        done = subprocess.run(
            [self.tmux_path, "-L", self.socket, "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            check=check,
        )
        return done.stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        # COLUMNS/LINES inherited from this shell would override the real terminal size; the
        # apps may write their bytecode caches, as they do for a user.
        wrapped = f"env -u COLUMNS -u LINES -u PYTHONDONTWRITEBYTECODE {exports} {command}"
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT), wrapped)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session, check=False)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.session, *(["-l"] if literal else []), *keys)

    def pane_pid(self) -> int | None:
        out = self.tmux("list-panes", "-t", self.session, "-F", "#{pane_pid}", check=False).strip()
        return int(out) if out.isdigit() else None

    def close(self) -> None:
        self.tmux("kill-session", "-t", self.session, check=False)
        self.tmux("kill-server", check=False)
        # tmux leaves the socket file of a killed server behind.
        socket_dir = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        with contextlib.suppress(OSError):
            (socket_dir / self.socket).unlink()

    def alternate_screen(self) -> bool:
        return self.tmux("display", "-p", "-t", self.session, "#{alternate_on}", check=False).strip() == "1"


# --- what is measured -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """One program under test: tui-chat (any executable), or a baseline script."""

    name: str
    kind: str  # "tui-chat", "bare" (the bare Textual app) or "print" (the print-as-you-go client)
    command: tuple[str, ...]
    process_name: str  # how its process is found in the pane (an argv entry's file name)
    send_key: str = "Enter"  # what sends the prompt
    # Type the start-up word again after this long without an echo (an app that drops keys
    # typed while it is still setting up); None: type it once.
    retype_after: float | None = None
    data_dir: str | None = None  # TUI_CHAT_DATA_DIR at start-up (--data-dir); None: an empty one

    def argv(self, url: str) -> list[str]:
        if self.kind == "tui-chat":
            return [*self.command, "--base-url", url, "--model", "fake-model", "--api-key", "bench-key"]
        if self.kind == "print":
            return [*self.command, "--base-url", url]
        return list(self.command)

    def is_ready(self, term: Terminal, screen: str) -> bool:
        """Its first screen is up (a Textual app has switched to the alternate screen)."""
        if self.kind == "print":
            return screen.rstrip().endswith(">")
        if not screen.strip() or not term.alternate_screen():
            return False
        return self.kind != "tui-chat" or "Message the model" in screen

    def echoed(self, screen: str, word: str) -> bool:
        return word in (prompt_box(screen) if self.kind == "tui-chat" else screen)

    @property
    def streams(self) -> bool:
        return self.kind != "bare"

    @property
    def types_while_streaming(self) -> bool:
        return self.kind == "tui-chat"

    def is_idle(self, screen: str) -> bool:
        """The reply is done and the program waits for the next prompt."""
        if self.kind == "print":
            return "[done]" in screen
        return "ready" in screen.splitlines()[0] if screen else False

    def is_stream_ready(self, term: Terminal, screen: str) -> bool:
        if self.kind == "tui-chat":
            return "Message the model" in screen and "ready" in screen.splitlines()[0]
        return self.is_ready(term, screen)


def tui_chat_subject(path: str, name: str | None = None) -> Subject:
    return Subject(name or f"tui-chat ({path})", "tui-chat", (path,), "tui-chat")


def baseline_subjects() -> list[Subject]:
    here = Path(__file__).resolve().parent
    return [
        Subject(
            "print-as-you-go", "print", (sys.executable, str(here / "print_client.py")), "print_client.py"
        ),
        Subject(
            "bare Textual app", "bare", (sys.executable, str(here / "bare_textual.py")), "bare_textual.py"
        ),
    ]


@dataclass
class Startup:
    painted: float  # launch -> first screen up
    echoed: float  # launch -> a typed key shown in the prompt


def startup_once(subject: Subject, url: str, index: int) -> Startup:
    """Launch in a fresh terminal, wait for the first screen, type a word, time its echo."""
    term = Terminal(f"tui-chat-start-{os.getpid()}-{index}")
    word = "qzjw"
    try:
        with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as tmp:
            env = bench_env(Path(tmp))
            if subject.data_dir is not None:
                env["TUI_CHAT_DATA_DIR"] = subject.data_dir
            launched = time.monotonic()
            term.start(shlex.join(subject.argv(url)), env)
            wait_for(lambda: subject.is_ready(term, term.screen()), f"{subject.name} to start", 60, KEY_POLL)
            painted = time.monotonic()
            term.keys(word, literal=True)
            typed = time.monotonic()

            def echoed() -> bool:
                nonlocal typed
                if subject.echoed(term.screen(), word):
                    return True
                if subject.retype_after is not None and time.monotonic() - typed > subject.retype_after:
                    term.keys(word, literal=True)
                    typed = time.monotonic()
                return False

            wait_for(echoed, f"{subject.name} to echo", 30, KEY_POLL)
            return Startup(painted - launched, time.monotonic() - launched)
    finally:
        term.close()


def bench_env(tmp: Path) -> dict[str, str]:
    return {
        "TUI_CHAT_CONFIG_DIR": str(tmp / "config"),
        "TUI_CHAT_DATA_DIR": str(tmp / "data"),
        "TERM": "xterm-256color",
    }


def wait_for(condition: Any, what: str, timeout: float, interval: float = 0.1) -> Any:
    """Poll `condition()` until it returns something truthy, with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout:g} s waiting for {what}")


# --- reading the screen -------------------------------------------------------------------------


def log_area(screen: str) -> str:
    """The lines between the status bar and the prompt box (the chat log and the sidebar)."""
    lines = screen.splitlines()
    top = max((i for i, line in enumerate(lines) if line.startswith("╭")), default=len(lines))
    return "\n".join(lines[1:top])


def prompt_box(screen: str) -> str:
    """The text inside the bottom-most box (the prompt)."""
    lines = screen.splitlines()
    top = max((i for i, line in enumerate(lines) if line.startswith("╭")), default=None)
    if top is None:
        return ""
    inside: list[str] = []
    for line in lines[top + 1 :]:
        if line.startswith("╰"):
            break
        inside.append(line)
    return "\n".join(inside)


class Reply:
    """The reply the demo bot streams, and where its on-screen markers sit in it."""

    def __init__(self, tokens: int) -> None:
        self.text = long_markdown(tokens)
        self.last_line = self.text.rstrip("\n").splitlines()[-1]
        self.chunks = math.ceil(len(self.text) / CHARS_PER_TOKEN)

    def marker_end(self, template: str, n: int) -> int | None:
        marker = template.format(n=n)
        at = self.text.find(marker)
        return None if at < 0 else at + len(marker)

    def newest_on_screen(self, screen: str) -> tuple[int, str] | None:
        """(offset just past the newest marker on screen, its label)."""
        best: tuple[int, str] | None = None
        if self.last_line in screen:
            return len(self.text), "last line"
        for pattern, template in MARKERS:
            for match in pattern.finditer(screen):
                end = self.marker_end(template, int(match.group(1)))
                if end is not None and (best is None or end > best[0]):
                    best = (end, template.format(n=match.group(1)).strip("#|( ").removeprefix("def "))
        return best


@dataclass
class Sample:
    at: float
    newest: tuple[int, str] | None
    cpu: float  # the app's CPU seconds so far
    log: str  # the screen above the prompt box, without the status bar


@dataclass
class Result:
    subject: str
    tokens: int
    tps: float
    chunks: int = 0
    server_first: float = 0.0
    server_last: float = 0.0
    enter_at: float = 0.0
    first_shown: float | None = None
    last_shown: float | None = None
    idle_at: float | None = None
    cpu: float = 0.0
    cpu_to_idle: float = 0.0
    cpu_window: float = 0.0
    server_cpu: float = 0.0
    machine_cores_busy: float = 0.0
    key_echo: list[float] = field(default_factory=list)
    key_cleared: bool = True
    follow_points: list[tuple[float, float, str, str]] = field(
        default_factory=list
    )  # (pct, lag, screen, sent)
    follow_share: float = 0.0
    cpu_by_quarter: list[float] = field(default_factory=list)  # share of one core per quarter
    max_view_lag: float = 0.0
    median_view_lag: float = 0.0
    p95_view_lag: float = 0.0
    max_view_lag_at: float = 0.0  # % of the server stream
    repaints: int = 0  # polls during the stream in which the log area had changed
    longest_still: float = 0.0  # longest time the log area stayed the same during the stream
    lag_trace: list[tuple[float, float, str]] = field(default_factory=list)  # (% of stream, lag, marker)
    load_before: float = 0.0
    peak_rss_mb: float | None = None

    @property
    def server_seconds(self) -> float:
        return self.server_last - self.server_first

    @property
    def nominal_seconds(self) -> float:
        return self.chunks / self.tps


# --- one run ------------------------------------------------------------------------------------


def run_once(subject: Subject, tokens: int, tps: float, index: int) -> Result:
    reply = Reply(tokens)
    result = Result(subject=subject.name, tokens=tokens, tps=tps, load_before=os.getloadavg()[0])
    server = Server(tps)
    term = Terminal(f"tui-chat-bench-{os.getpid()}-{index}")
    try:
        with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as tmp:
            term.start(shlex.join(subject.argv(server.url)), bench_env(Path(tmp)))
            return measure(subject, term, server, reply, result)
    finally:
        term.close()
        server.close()


def find_process(term: Terminal, name: str) -> int:
    def look() -> int | None:
        pane = term.pane_pid()
        if pane is None:
            return None
        for pid in [pane, *descendants(pane)]:
            if is_process(pid, name):
                return pid
        return None

    pid: int = wait_for(look, f"the {name} process in the tmux pane", timeout=20)
    return pid


def measure(subject: Subject, term: Terminal, server: Server, reply: Reply, result: Result) -> Result:
    app_pid = find_process(term, subject.process_name)
    wait_for(lambda: subject.is_stream_ready(term, term.screen()), f"{subject.name}'s prompt", timeout=30)
    samples: list[Sample] = []

    def observe() -> str:
        before = time.monotonic()
        screen = term.screen()
        at = (before + time.monotonic()) / 2
        if result.first_shown is None and "A long reply" in screen:
            result.first_shown = at
        samples.append(Sample(at, reply.newest_on_screen(screen), tree_cpu(app_pid), log_area(screen)))
        if result.last_shown is None and reply.last_line in screen:
            result.last_shown = at
        return screen

    term.keys(f"long {result.tokens} at {result.tps:g}", literal=True)
    time.sleep(0.2)  # let the typed prompt land; its echo is not part of the figures
    cpu_before = tree_cpu(app_pid)
    server_pid = server.proc.pid
    server_cpu_before = tree_cpu(server_pid)
    busy_before, total_before = machine_busy()
    result.enter_at = time.monotonic()
    term.keys(subject.send_key)

    nominal = reply.chunks / result.tps
    deadline = result.enter_at + nominal * 4 + 60
    key_times = [nominal * f for f in KEY_AT] if subject.types_while_streaming else []
    while result.last_shown is None:
        if time.monotonic() > deadline:
            raise SystemExit(f"the last line never showed within {deadline - result.enter_at:.0f} s")
        observe()
        if result.last_shown is not None:
            break
        started = result.first_shown
        if key_times and started is not None and time.monotonic() - started >= key_times[0]:
            key_times.pop(0)
            type_a_word(term, result, observe, f"zqk{len(result.key_echo)}x")
            continue
        time.sleep(POLL)
    result.cpu = tree_cpu(app_pid)
    result.cpu_window = time.monotonic() - result.enter_at
    result.cpu -= cpu_before
    result.server_cpu = tree_cpu(server_pid) - server_cpu_before
    busy_after, total_after = machine_busy()
    result.machine_cores_busy = (
        (busy_after - busy_before) / (total_after - total_before) * (os.cpu_count() or 1)
    )

    # The final full render: until the app says it is idle again, then one more second.
    wait_for(lambda: subject.is_idle(term.screen()), f"{subject.name} to become idle", timeout=120)
    result.idle_at = time.monotonic()
    time.sleep(1.0)
    result.cpu_to_idle = tree_cpu(app_pid) - cpu_before
    result.peak_rss_mb = peak_rss_mb(app_pid)

    try:
        stream = server.streams.get(timeout=10)
    except queue.Empty:
        raise SystemExit("the fake server logged no stream") from None
    result.server_first = stream["first_text_at"]
    result.server_last = stream["last_text_at"]
    result.chunks = stream["text_chunks"]
    if result.chunks != reply.chunks:
        print(f"warning: the server sent {result.chunks} text chunks, expected {reply.chunks}")
    score_follow(result, reply, samples)
    return result


def type_a_word(term: Terminal, result: Result, observe: Any, word: str) -> None:
    sent = time.monotonic()
    term.keys(word, literal=True)
    deadline = sent + 5.0
    while time.monotonic() < deadline:
        if word in prompt_box(observe()):
            result.key_echo.append(time.monotonic() - sent)
            break
        time.sleep(KEY_POLL)
    else:
        result.key_echo.append(math.inf)
    term.keys("C-u")
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        if word not in prompt_box(observe()):
            return
        time.sleep(KEY_POLL)
    result.key_cleared = False


def score_follow(result: Result, reply: Reply, samples: list[Sample]) -> None:
    first, last = result.server_first, result.server_last
    span = last - first
    steps = max(1, result.chunks - 1)

    def sent_at(offset: int) -> float:
        """When the server wrote the chunk holding `offset` (it paces chunks evenly)."""
        index = min(steps, max(0, math.ceil(offset / CHARS_PER_TOKEN) - 1))
        return first + span * index / steps

    def sent_label(at: float) -> str:
        index = round((at - first) / span * steps) if span > 0 else steps
        sent = reply.text[: (index + 1) * CHARS_PER_TOKEN]
        best = (-1, "nothing yet")
        for pattern, template in MARKERS:
            for match in pattern.finditer(sent):
                end = reply.marker_end(template, int(match.group(1))) or -1
                if end <= len(sent) and end > best[0]:
                    best = (end, template.format(n=match.group(1)).strip("#|( ").removeprefix("def "))
        return best[1]

    during = [s for s in samples if first <= s.at <= last]
    lags: list[float] = []
    for sample in during:
        shown = sent_at(sample.newest[0]) if sample.newest else result.enter_at
        lags.append(max(0.0, sample.at - shown))
    if lags:
        result.follow_share = sum(lag < FOLLOW_LAG for lag in lags) / len(lags)
        ordered = sorted(lags)
        result.max_view_lag = ordered[-1]
        result.median_view_lag = statistics.median(ordered)
        result.p95_view_lag = ordered[int(len(ordered) * 0.95)]
        worst = lags.index(ordered[-1])
        result.max_view_lag_at = (during[worst].at - first) / span * 100 if span > 0 else 0.0
        result.lag_trace = [
            ((s.at - first) / span * 100 if span > 0 else 0.0, lag, s.newest[1] if s.newest else "-")
            for s, lag in zip(during, lags, strict=True)
        ]

    def nearest(at: float) -> int:
        return min(range(len(during)), key=lambda k: abs(during[k].at - at))

    if len(during) >= 8:
        marks = [during[nearest(first + span * q / 4)] for q in range(5)]
        result.cpu_by_quarter = [
            (b.cpu - a.cpu) / (b.at - a.at) if b.at > a.at else 0.0 for a, b in itertools.pairwise(marks)
        ]
    changes = [b.at for a, b in itertools.pairwise(during) if a.log != b.log]
    result.repaints = len(changes)
    if during:
        edges = [during[0].at, *changes, during[-1].at]
        result.longest_still = max(b - a for a, b in itertools.pairwise(edges))
    for pct in (25, 50, 75):
        if not during:
            break
        i = nearest(first + span * pct / 100)
        sample = during[i]
        on_screen = sample.newest[1] if sample.newest else "no marker"
        result.follow_points.append((pct, lags[i], on_screen, sent_label(sample.at)))


# --- report -------------------------------------------------------------------------------------


def fmt_s(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f} s"


def rows_for(r: Result) -> dict[str, str]:
    shown = None if r.last_shown is None else r.last_shown - r.enter_at
    first = None if r.first_shown is None else r.first_shown - r.enter_at
    lag_end = None if r.last_shown is None else r.last_shown - r.server_last
    echo = max(r.key_echo) if r.key_echo else None
    row = {
        "tokens (server chunks)": f"{r.tokens} ({r.chunks})",
        "tokens/s asked": f"{r.tps:g}",
        "server stream (nominal)": f"{r.server_seconds:.2f} s ({r.nominal_seconds:.1f})",
        "first text shown": fmt_s(first),
        "last token shown": fmt_s(shown),
        "lag at end": fmt_s(lag_end),
        "app CPU to last line": fmt_s(r.cpu),
        "  % of one core": f"{r.cpu / r.cpu_window * 100:.0f} %" if r.cpu_window else "—",
        "  per quarter of the stream": " / ".join(f"{q * 100:.0f}" for q in r.cpu_by_quarter) + " %",
        "app CPU to idle (+final render)": fmt_s(r.cpu_to_idle),
        "server CPU (not the app)": fmt_s(r.server_cpu),
        "peak RSS": "—" if r.peak_rss_mb is None else f"{r.peak_rss_mb:.0f} MB",
        "machine busy (cores of 2)": f"{r.machine_cores_busy:.2f}",
        "load average before": f"{r.load_before:.2f}",
    }
    for pct, lag, on_screen, sent in r.follow_points:
        verdict = "yes" if lag < FOLLOW_LAG else "NO"
        row[f"followed at {pct} %"] = f"{verdict} ({lag:.2f} s)"
        row[f"  screen / sent at {pct} %"] = f"{on_screen} / {sent}"
    row["followed, all polls"] = f"{r.follow_share * 100:.0f} %"
    row["screen changes seen / s"] = f"{r.repaints / r.server_seconds:.1f}" if r.server_seconds else "—"
    row["longest unchanged screen"] = fmt_s(r.longest_still)
    row["view lag median / p95"] = f"{r.median_view_lag:.2f} / {r.p95_view_lag:.2f} s"
    row["view lag max (at % of stream)"] = f"{r.max_view_lag:.2f} s ({r.max_view_lag_at:.0f} %)"
    if echo is not None:
        tries = ", ".join("timeout" if math.isinf(e) else f"{e * 1000:.0f}" for e in r.key_echo)
        row["key echo worst (tries, ms)"] = (
            f"{'> 5000' if math.isinf(echo) else f'{echo * 1000:.0f}'} ms ({tries})"
        )
    if not r.key_cleared:
        row["key echo worst (tries, ms)"] += "  (ctrl+u did not clear!)"
    return row


def print_rows(head: list[str], rows: list[list[str]]) -> None:
    table = [head, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def print_table(results: list[Result]) -> None:
    """One column per run of each program; tui-chat's CPU and lag also as ratios to the
    print-as-you-go client's (the median of its runs)."""
    columns = [rows_for(r) for r in results]
    printer = [r for r in results if r.subject == "print-as-you-go"]
    base_cpu = statistics.median(r.cpu for r in printer) if printer else None
    for r, column in zip(results, columns, strict=True):
        if base_cpu and r.subject != "print-as-you-go":
            column["app CPU / print-as-you-go's"] = f"{r.cpu / base_cpu:.1f}x"
    labels = list(dict.fromkeys(label for column in columns for label in column))
    head = ["", *(r.subject for r in results)]
    print_rows(head, [[label, *(column.get(label, "") for column in columns)] for label in labels])
    print(f"followed = the newest text on screen was sent under {FOLLOW_LAG:g} s earlier (see --help)")


def measure_startup(subjects: list[Subject], runs: int) -> dict[str, list[Startup]]:
    server = Server(200)
    found: dict[str, list[Startup]] = {s.name: [] for s in subjects}
    try:
        for subject in subjects:  # untimed: bytecode caches, the disk cache
            startup_once(subject, server.url, 0)
        for run in range(runs):  # interleaved, so a busy moment hits every program alike
            for subject in subjects:
                found[subject.name].append(startup_once(subject, server.url, run + 1))
    finally:
        server.close()
    return found


def print_startup(found: dict[str, list[Startup]]) -> None:
    bare = found.get("bare Textual app")
    bare_echo = statistics.median(s.echoed for s in bare) if bare else None
    rows = []
    for name, runs in found.items():
        painted = statistics.median(s.painted for s in runs)
        echoed = [s.echoed for s in runs]
        spread = f"{min(echoed):.2f}-{max(echoed):.2f}"
        ratio = f"{statistics.median(echoed) / bare_echo:.2f}x" if bare_echo else "—"
        rows.append([name, f"{painted:.2f} s", f"{statistics.median(echoed):.2f} s", spread, ratio])
    head = ["start-up (medians)", "first screen", "key echoed", "echo range", "vs bare Textual"]
    print_rows(head, rows)


@contextlib.contextmanager
def quiet_interrupt() -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--app",
        action="append",
        metavar="PATH",
        help="a tui-chat executable to measure (repeatable; default: the one beside this Python)",
    )
    parser.add_argument("--tokens", type=int, default=8000)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=1, help="streaming runs of each program")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--no-stream", action="store_true", help="measure start-up only")
    parser.add_argument("--no-startup", action="store_true", help="measure streaming only")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="also measure each tui-chat's start-up with TUI_CHAT_DATA_DIR=DIR (e.g. the folder of "
        "history_scale.py's store), beside the empty one, in the same run; the app opens the "
        "store but writes nothing to it unless a message is sent",
    )
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="write every poll's view lag (TSV: program, run, %% of stream, lag, marker)",
    )
    args = parser.parse_args()
    apps = [tui_chat_subject(path) for path in (args.app or [tui_chat_command()])]
    printer, bare = baseline_subjects()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    results: list[Result] = []
    with quiet_interrupt():
        if not args.no_startup:
            print(f"start-up: {args.startup_runs} launches of each ...", flush=True)
            with_history = [
                dataclasses.replace(app, name=f"{app.name} + {args.data_dir}", data_dir=args.data_dir)
                for app in (apps if args.data_dir else [])
            ]
            print_startup(measure_startup([*apps, *with_history, bare, printer], args.startup_runs))
        if not args.no_stream:
            for index in range(args.runs):
                for subject in [printer, *apps]:
                    what = f"long {args.tokens} at {args.tps:g}"
                    print(f"run {index + 1}/{args.runs}, {subject.name}: {what} ...", flush=True)
                    results.append(run_once(subject, args.tokens, args.tps, index))
            print_table(results)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    if args.trace:
        with args.trace.open("w") as out:
            out.write("program\trun\tstream_pct\tview_lag_s\tnewest_marker_on_screen\n")
            for run, r in enumerate(results, 1):
                for pct, lag, marker in r.lag_trace:
                    out.write(f"{r.subject}\t{run}\t{pct:.2f}\t{lag:.3f}\t{marker}\n")


if __name__ == "__main__":
    main()
