#!/usr/bin/env python3
"""echo_server on asyncio: a Protocol that writes back what it receives (the fastest asyncio echo, the
one uvloop's own benchmarks use), on uvloop's event loop or on asyncio's own.
Prints "LISTENING <port>" once it accepts, then serves until ended.

Usage: /usr/bin/python3 echo_server_asyncio.py uvloop|plain
       uvloop: Debian's python3-uvloop (apt-get install -y python3-uvloop); fails if it is missing
"""
import asyncio
import sys


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def serve():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"# event loop {type(loop).__module__}.{type(loop).__name__} on Python {sys.version.split()[0]}", flush=True)
    print(f"LISTENING {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) == 2 else ""
    if mode == "uvloop":
        try:
            import uvloop
        except ImportError:
            sys.exit("echo_server_asyncio.py: uvloop is not installed; apt-get install -y python3-uvloop, or run 'plain'")
        uvloop.install()
    elif mode != "plain":
        sys.exit("usage: echo_server_asyncio.py uvloop|plain")
    asyncio.run(serve())
