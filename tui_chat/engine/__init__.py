"""The UI-free engine: providers, streaming, tool-call assembly and the tool loop.

Never imports textual (tests/test_architecture.py checks it).
"""
