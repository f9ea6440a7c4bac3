"""Bench-only what-if, never imported by Spyglass itself: `bench/ingest.py --what-if-nodelay` puts
this directory on the service's PYTHONPATH so that Python runs it at start.

spyglass/service.py `listen()` creates its listening socket as socket.socket(family, SOCK_STREAM),
i.e. with proto 0. asyncio only sets TCP_NODELAY on accepted sockets whose `proto` is
IPPROTO_TCP (asyncio.base_events._set_nodelay), so the service's connections keep Nagle's
algorithm on: uvicorn writes a response's head and body in two writes, the second waits for
the client's delayed ACK, and every request after the first on a keep-alive connection takes
~40 ms longer. This hook sets TCP_NODELAY on every accepted TCP socket, which is what
`socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)` in listen() would give.
"""

import socket

import asyncio.base_events as _base_events


def _set_nodelay(sock):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


_base_events._set_nodelay = _set_nodelay
