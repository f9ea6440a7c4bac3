"""Real HTTP receivers on 127.0.0.1 for the notifier and outbox tests: each records every request it gets and
answers from a script (a status, headers and body per request, or a hang until released), so a test can play a
Slack webhook that says 429 with Retry-After, a PagerDuty endpoint that fails with 503 once, or a receiver that
never answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # hold the request until the endpoint is released (or closed)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


class Endpoint:
    """The server: `script` answers the n-th request (then `default` every later one)."""

    def __init__(self, script: list[Answer] | Callable[[int, Request], Answer] = (), default: Answer = Answer()):
        self.script, self.default = script, default
        self.requests: list[Request] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the http.server hook's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = endpoint._record(Request("POST", self.path, dict(self.headers.items()), body))
                if answer.hang:
                    endpoint.released.wait(60)
                    if endpoint.closing:
                        return
                payload = answer.body.encode()
                self.send_response(answer.status)
                for name, value in {"Content-Type": "text/plain", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.closing = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _record(self, request: Request) -> Answer:
        with self._lock:
            index = len(self.requests)
            self.requests.append(request)
        if callable(self.script):
            return self.script(index, request)
        return self.script[index] if index < len(self.script) else self.default

    def bodies(self) -> list[Any]:
        return [request.json() for request in self.requests]

    def ids(self) -> list[str]:
        """The webhook-id of every request, in arrival order."""
        return [request.headers["webhook-id"] for request in self.requests]

    def close(self) -> None:
        self.closing = True
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def endpoint(script: list[Answer] | Callable[[int, Request], Answer] = (), default: Answer = Answer()
             ) -> Iterator[Endpoint]:
    server = Endpoint(script, default)
    try:
        yield server
    finally:
        server.close()
