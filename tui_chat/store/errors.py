"""Errors the store raises. Callers never need to import sqlite3 to handle them."""

from __future__ import annotations


class StoreError(Exception):
    """The session database could not be read or written; the message is fit to show a user."""


class SessionNotFound(StoreError, LookupError):
    """No saved session has this id (or id prefix)."""


class AmbiguousSessionId(SessionNotFound):
    """An id prefix matches more than one session."""
