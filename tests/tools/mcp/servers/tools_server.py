"""A real MCP server for the tests, on the SDK's own server API (MCPServer), over stdio or
Streamable HTTP:

    python tests/tools/mcp/servers/tools_server.py [--http PORT] [--garbage] [--prefix P] [--pid-file F]

Tools: echo, add, fail (raises), sleep (hangs for as long as asked), quit (the process exits
mid-call), show_env (one environment variable), picture (an image), weather (structured).
`--garbage` writes lines that are not JSON-RPC to stdout before serving; `--prefix` renames
every tool (two servers with different tools).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from mcp.server.mcpserver import Image, MCPServer
from pydantic import BaseModel

PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class Weather(BaseModel):
    city: str
    celsius: float


def build(prefix: str = "") -> MCPServer:
    server = MCPServer("test-tools")

    @server.tool(name=f"{prefix}echo", description="Echo the text back.")
    def echo(text: str) -> str:
        return f"echo: {text}"

    @server.tool(name=f"{prefix}add", description="Add two integers.")
    def add(a: int, b: int) -> str:
        return str(a + b)

    @server.tool(name=f"{prefix}fail", description="Always raises.")
    def fail(why: str = "broken on purpose") -> str:
        raise RuntimeError(why)

    @server.tool(name=f"{prefix}sleep", description="Sleep, then answer.")
    def sleep(seconds: float) -> str:
        print(f"sleeping {seconds}", file=sys.stderr, flush=True)
        time.sleep(seconds)
        return f"slept {seconds}"

    @server.tool(name=f"{prefix}quit", description="The server process exits mid-call.")
    def quit() -> str:
        print("quitting now", file=sys.stderr, flush=True)
        os._exit(3)

    @server.tool(name=f"{prefix}show_env", description="One environment variable of the server.")
    def show_env(name: str) -> str:
        return os.environ.get(name, "(unset)")

    @server.tool(name=f"{prefix}picture", description="A 1x1 PNG.")
    def picture() -> Image:
        return Image(data=PIXEL_PNG, format="png")

    @server.tool(name=f"{prefix}weather", description="Structured weather.")
    def weather(city: str) -> Weather:
        return Weather(city=city, celsius=21.5)

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--pid-file", help="write the process id here (to check it is gone later)")
    args = parser.parse_args()
    if args.pid_file:
        with open(args.pid_file, "w") as handle:
            handle.write(str(os.getpid()))
    print(f"test-tools starting (pid {os.getpid()})", file=sys.stderr, flush=True)
    server = build(args.prefix)
    if args.http:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
        return
    if args.garbage:
        sys.stdout.write("this is not JSON-RPC\n{not json either\n")
        sys.stdout.flush()
    server.run()


if __name__ == "__main__":
    main()
