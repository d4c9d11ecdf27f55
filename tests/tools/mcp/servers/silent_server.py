"""A process that reads its stdin and never answers: an MCP server stuck before initialize.
It writes its pid to the file named as its only argument, so a test can check it is gone."""

from __future__ import annotations

import os
import sys
from pathlib import Path

if len(sys.argv) > 1:
    Path(sys.argv[1]).write_text(str(os.getpid()))
print("silent server: reading, never answering", file=sys.stderr, flush=True)
for _line in sys.stdin:
    pass
