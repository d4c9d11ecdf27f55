"""MCP (Model Context Protocol) tool servers as a tool source, through the official `mcp` SDK.

config.py reads and checks the server entries, connection.py runs one server, manager.py runs
them all and offers their tools through the ToolRegistry, results.py turns a result into text.
Never imports textual.
"""
