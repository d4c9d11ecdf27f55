"""Tools the model can call: the registry, the @tool decorator, built-ins and user tool files.

Never imports textual (tests/test_architecture.py checks it).
"""
