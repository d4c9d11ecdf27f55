"""The loopback OpenAI-compatible server the tests talk to: the package's demo server
(tui_chat/demo_server.py, also `tui-chat demo-server`), under the name the tests import.

    python -m tests.fakeserver --port 8765 [--tps 200] [--log-streams]
"""

from __future__ import annotations

from tui_chat.demo_server import *  # noqa: F403  (FakeServer, Reply, text_reply, ...)
from tui_chat.demo_server import main

if __name__ == "__main__":
    main()
