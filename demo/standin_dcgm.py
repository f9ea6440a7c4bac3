"""A stand-in for NVIDIA's dcgm-exporter: one GPU host's readings as Prometheus text on `/metrics`.

Many GPU fleets run dcgm-exporter for Prometheus and nothing else, and Spyglass scrapes it
(`gpu.dcgm_targets`, collector/receivers/dcgm_scrape.py). The demo's second Llama replica reports this
way: `DcgmHost` is the fleet's window sink for that host, turning its load into readings (demo/gpus.py,
the same model as the agent-reporting hosts) and rendering them with dcgm-exporter's field names and
labels (`DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID=...,modelName=...,Hostname=...}`); `serve` puts them on a
small HTTP server on 127.0.0.1. Like the real exporter it serves the latest values without timestamps,
so the scraper stamps them with its scrape time: this host reports from live play on, never in the backfill.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from demo import fleet, gpus
from demo.spans import TracePlan, to_ns

MIB = 1024 * 1024
LOAD_SPAN_S = 60.0  # readings reflect the host's calls of the last minute, as the agent-reporting hosts do
# (field, help, type, value from one GPU's readings): the fields dcgm-exporter's default counters file exports
FIELDS: tuple[tuple[str, str, str, Any], ...] = (
    ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "gauge", lambda g: g["utilization"]["gpu"]),
    ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "gauge", lambda g: g["memory"]["used"] // MIB),
    ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "gauge",
     lambda g: (g["memory"]["total"] - g["memory"]["used"]) // MIB),
    ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "gauge", lambda g: round(g["power_mw"] / 1000, 3)),
    ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "Total energy consumption since boot (in mJ).", "counter",
     lambda g: g["energy_mj"]),
    ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "gauge", lambda g: g["temperature_c"]),
)


def exposition(host: str, readings: Sequence[dict[str, Any]]) -> str:
    """The Prometheus text dcgm-exporter serves for `readings` (demo/gpus.py shape) of `host`'s GPUs."""
    lines = []
    for name, help_, kind, value in FIELDS:
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]
        for index, gpu in enumerate(readings):
            labels = (f'gpu="{index}",UUID="{gpu["uuid"]}",device="nvidia{index}",modelName="{gpu["name"]}",'
                      f'Hostname="{host}",DCGM_FI_DRIVER_VERSION="550.54.15"')
            lines.append(f"{name}{{{labels}}} {value(gpu)}")
    return "\n".join(lines) + "\n"


class DcgmHost:
    """The DCGM-reporting replica: a window sink that keeps its latest readings as exporter text."""

    def __init__(self, seed: int, host: str = fleet.DCGM_HOST) -> None:
        self.seed, self.host = seed, host
        self._calls: deque[tuple[int, float]] = deque()
        self._energy = [0] * fleet.GPU_COUNT
        self._last_ns: int | None = None
        self._lock = threading.Lock()
        self.text = exposition(host, gpus.readings(seed, 0, 0.0, LOAD_SPAN_S, self._energy, host))

    def observe(self, start: datetime, end: datetime, traces: Sequence[TracePlan]) -> None:
        for plan in traces:
            busy = gpus.host_busy_seconds([plan], self.host)
            if busy:
                self._calls.append((plan.start_ns, busy))
        at_ns = to_ns(end)
        while self._calls and self._calls[0][0] < at_ns - int(LOAD_SPAN_S * 1e9):
            self._calls.popleft()
        state = gpus.readings(self.seed, at_ns, sum(b for _, b in self._calls), LOAD_SPAN_S, self._energy,
                              self.host)
        elapsed_s = (at_ns - self._last_ns) / 1e9 if self._last_ns is not None else 0.0
        self._energy = [e + int(g["power_mw"] * elapsed_s) for e, g in zip(self._energy, state, strict=True)]
        self._last_ns = at_ns
        with self._lock:
            self.text = exposition(self.host, state)

    def current(self) -> str:
        with self._lock:
            return self.text


class DcgmServer:
    """`/metrics` of a `DcgmHost` on 127.0.0.1 (a free port unless given), served from a daemon thread."""

    def __init__(self, source: DcgmHost, port: int = 0) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                if self.path != "/metrics":
                    self.send_error(404)
                    return
                body = source.current().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # one line per scrape would be noise
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-dcgm-exporter", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
