#!/usr/bin/env python3
"""echo_server on Python gevent: gevent's StreamServer, the same handler as the echo workload of
benchmarks/gevent/workloads.py. Prints "LISTENING <port>" once it accepts, then serves until ended.

Usage: /usr/bin/python3 echo_server_gevent.py      (Debian's python3-gevent)
"""
from gevent import monkey; monkey.patch_all()
import sys
import gevent
from gevent.server import StreamServer


def handle(sock, _addr):
    while True:
        data = sock.recv(65536)
        if not data:
            break
        sock.sendall(data)


if __name__ == "__main__":
    server = StreamServer(("127.0.0.1", 0), handle, backlog=1024)
    server.start()
    print(f"# gevent {gevent.__version__} on Python {sys.version.split()[0]}, StreamServer", flush=True)
    print(f"LISTENING {server.server_port}", flush=True)
    server.serve_forever()
