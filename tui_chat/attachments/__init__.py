"""Attachments (issue 12), UI-free: reading a file within limits, the request content it becomes,
and the file scanner and fuzzy match behind the prompt's `@` picker."""
