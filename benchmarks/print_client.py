"""The streaming baseline: the least a chat client can do. Reads a prompt line, POSTs it to an
OpenAI-compatible server with the standard library (`http.client`, no SDK), and prints each
text delta as it arrives. `tmux_stream.py` runs it beside tui-chat in the same run, so the app's
CPU and lag are read against what printing the same stream costs.

    python benchmarks/print_client.py --base-url http://127.0.0.1:PORT/v1 [--model M]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from urllib.parse import urlsplit


def stream_reply(base_url: str, model: str, prompt: str) -> None:
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=60)
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    headers = {"Content-Type": "application/json", "Authorization": "Bearer none"}
    connection.request("POST", url.path.rstrip("/") + "/chat/completions", json.dumps(body), headers)
    response = connection.getresponse()
    for raw in response:  # to the end of the body, so the server sees a clean close
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            continue
        for choice in json.loads(data).get("choices") or []:
            text = (choice.get("delta") or {}).get("content")
            if text:
                sys.stdout.write(text)
                sys.stdout.flush()
    connection.close()
    sys.stdout.write("\n[done]\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", default="fake-model")
    args = parser.parse_args()
    while True:
        try:
            prompt = input("> ")
        except EOFError:
            return
        if prompt.strip():
            stream_reply(args.base_url, args.model, prompt)


if __name__ == "__main__":
    main()
