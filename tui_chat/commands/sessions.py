"""PLACEHOLDER owned by the store engineer: the session subcommands (list, show, export, ...).

Replace this module wholesale; cli.py only needs `add_parsers(subparsers)`.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """No session commands yet."""
