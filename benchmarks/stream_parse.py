"""CPU of the engine's stream path alone, no UI: one `ChatEngine.run_turn` of the demo bot's long
reply, from several source trees in the same run (default: this tree and /work/base).

    python benchmarks/stream_parse.py [--tree /work/base] [--runs 3] [--cases 2000@200,8000@0]

Each case is "TOKENS@TPS" (TPS 0 = as fast as the server can write). For every tree and case a
fresh child process (that tree on sys.path first, its own venv's Python when it has one) imports
the engine, builds a real AsyncOpenAI client against the loopback server (`tests/fakeserver.py`,
its own subprocess, so its CPU is not counted) and runs one turn, consuming every event. The
child reports the CPU (user + system, `time.process_time`) and wall time of the turn alone:
imports and client construction are not counted. Medians of --runs are printed, and each tree's
CPU as a ratio to the first tree's.

Two reference clients run too, in the same way: the SDK's typed stream (`async for chunk in
stream`) and its raw response (`iter_lines()` + `json.loads`), doing nothing else.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the child; argv: mode, base_url, tokens, tps.
CHILD = textwrap.dedent(
    """
    import asyncio, json, sys, time
    mode, base_url, tokens, tps = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    import openai
    prompt = f"long {tokens} at {tps:g}" if tps > 0 else f"long {tokens} at 0"
    messages = [{"role": "user", "content": prompt}]

    async def engine(client):
        from tui_chat.engine.conversation import Conversation, Message
        from tui_chat.engine.turn import ChatEngine, TurnOptions
        conversation = Conversation()
        conversation.add(Message(role="user", content=prompt))
        engine = ChatEngine(client, None, TurnOptions(model="fake-model"))
        start = time.process_time(), time.monotonic()
        n = 0
        async for _event in engine.run_turn(conversation):
            n += 1
        return start, n, len(conversation.messages[-1].content or "")

    async def typed(client):
        start = time.process_time(), time.monotonic()
        n = chars = 0
        stream = await client.chat.completions.create(model="m", messages=messages, stream=True)
        async with stream:
            async for chunk in stream:
                n += 1
                if chunk.choices and chunk.choices[0].delta.content:
                    chars += len(chunk.choices[0].delta.content)
        return start, n, chars

    async def raw(client):
        start = time.process_time(), time.monotonic()
        n = chars = 0
        create = client.chat.completions.with_streaming_response.create
        async with create(model="m", messages=messages, stream=True) as response:
            async for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    chunk = json.loads(line[6:])
                    n += 1
                    for choice in chunk.get("choices") or []:
                        chars += len((choice.get("delta") or {}).get("content") or "")
        return start, n, chars

    async def main():
        async with openai.AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0) as client:
            (cpu0, wall0), n, chars = await {"engine": engine, "typed": typed, "raw": raw}[mode](client)
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        print(json.dumps({"cpu": cpu, "wall": wall, "items": n, "chars": chars}))

    asyncio.run(main())
    """
)


def python_of(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_child(python: str, tree: Path, mode: str, url: str, tokens: int, tps: float) -> dict[str, float]:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [python, "-c", CHILD, mode, url, str(tokens), str(tps)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeserver", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", action="append", type=Path, help="source trees to compare (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", default="2000@200,8000@0")
    parser.add_argument("--no-reference", action="store_true", help="skip the bare SDK clients")
    args = parser.parse_args()
    trees = [ROOT, *(args.tree or [Path("/work/base")])]
    cases = [(int(t), float(r)) for t, r in (c.split("@") for c in args.cases.split(","))]
    subjects = [(f"engine {tree}", python_of(tree), tree, "engine") for tree in trees]
    if not args.no_reference:
        subjects += [
            ("SDK typed stream", python_of(ROOT), ROOT, "typed"),
            ("SDK raw lines + json", python_of(ROOT), ROOT, "raw"),
        ]
    server, url = start_server()
    print(f"load average before: {load_average()}  ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    try:
        for tokens, tps in cases:
            label = f"{tokens} tokens at {tps:g} tok/s" if tps else f"{tokens} tokens at full speed"
            print(f"\n{label} (medians of {args.runs})")
            print(f"  {'client':<44} {'CPU s':>7} {'wall s':>7} {'CPU ratio':>9}  chunks/events")
            first_cpu = None
            samples: dict[str, list[dict[str, float]]] = {name: [] for name, *_ in subjects}
            for _ in range(args.runs):  # interleaved, so a busy moment hits every subject alike
                for name, python, tree, mode in subjects:
                    samples[name].append(run_child(python, tree, mode, url, tokens, tps))
            for name, *_ in subjects:
                runs = samples[name]
                cpu = statistics.median(r["cpu"] for r in runs)
                wall = statistics.median(r["wall"] for r in runs)
                first_cpu = first_cpu or cpu
                print(f"  {name:<44} {cpu:7.2f} {wall:7.2f} {cpu / first_cpu:8.2f}x  {int(runs[0]['items'])}")
    finally:
        server.terminate()
        server.wait()
    print(f"\nload average after: {load_average()}")


if __name__ == "__main__":
    main()
