"""Run the real `spyglass up` in a subprocess on free ports, for tests and benchmarks."""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.helpers.stores import KEEP_EVERYTHING_ENV


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_EPHEMERAL_LOW = _ephemeral_low()


def _worker_ports() -> range:
    """This test worker's own share of the ports below the ephemeral range: pytest-xdist's workers each
    start services on ports they chose, and a port two workers chose in the same second is a failed start."""
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    share = (_EPHEMERAL_LOW - 10_000) // count
    return range(10_000 + index * share, 10_000 + (index + 1) * share)


_PORTS = _worker_ports()
_turn = itertools.count(random.randrange(len(_PORTS)))


def free_port() -> int:
    """A free port of this worker's share, below the kernel's ephemeral range: a port the kernel hands out
    (bind to 0) can be taken by any outgoing connection before the service binds it, and the suite makes
    thousands of those. Ports are handed out in turn, so one not yet bound is not handed out twice."""
    while True:
        port = _PORTS[next(_turn) % len(_PORTS)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


class PortTaken(RuntimeError):
    """The service could not bind one of its ports."""


@dataclass
class ServiceProcess:
    """`spyglass up` as a child process; `start()` returns once /readyz answers 200."""

    data_dir: Path
    dashboard: bool = False
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    dashboard_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def otlp_http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def otlp_grpc(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.dashboard_port}"

    def start(self, timeout: float = 60, attempts: int = 3) -> ServiceProcess:
        """Another worker of the suite may bind a chosen port first: then the service says "cannot listen"
        and it is started again on new ports."""
        for _ in range(attempts - 1):
            try:
                return self._start(timeout)
            except PortTaken:
                self.http_port, self.grpc_port, self.api_port, self.dashboard_port = (free_port() for _ in range(4))
        return self._start(timeout)

    def _start(self, timeout: float) -> ServiceProcess:
        args = [sys.executable, "-m", "spyglass.cli", "up", "--data-dir", str(self.data_dir),
                "--otlp-http-port", str(self.http_port), "--otlp-grpc-port", str(self.grpc_port),
                "--api-port", str(self.api_port), "--dashboard-port", str(self.dashboard_port),
                *([] if self.dashboard else ["--no-dashboard"]), *self.extra_args]
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-service.log"
        log = open(self.log_path, "ab")
        earlier = log.tell()
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                        env={**os.environ, **KEEP_EVERYTHING_ENV, **self.env}, cwd=self.data_dir.parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if b"cannot listen on" in self.log_path.read_bytes()[earlier:]:
                    raise PortTaken(self.log())
                raise RuntimeError(f"spyglass up exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.api}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"spyglass up not ready after {timeout}s:\n{self.log()}")

    def job_runs(self) -> dict[str, int]:
        """How many runs each scheduled job has finished (from /readyz): a test waits for runs, not seconds,
        since a loaded machine can delay a job well past its interval."""
        jobs = httpx.get(f"{self.api}/readyz", timeout=30).json()["jobs"]
        return {name: state["runs"] for name, state in jobs.items()}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait: the service drains and exits."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
