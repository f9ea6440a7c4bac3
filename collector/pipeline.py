"""The signal-independent path of one OTLP request: decode → normalise → batch → durable.

Normalise is the content policy (collector/normalise/content.py): prompt and completion text is
stripped, or redacted for projects that capture it, in the same worker that decoded it.

Transports (collector/receivers/otlp_http.py, collector/receivers/otlp_grpc.py) hand the request's
bytes to `Pipeline.export`, which decodes them, waits for the commit and returns the
response. Decoding is pure Python and holds the GIL, so with `workers` > 0 it runs in
that many worker processes (the store's work stays in this process, on other cores);
with 0 it runs on a thread of this process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal as posix_signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from google.protobuf.message import Message
from opentelemetry.metrics import Meter, NoOpMeter
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs_pb
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics_pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb
from opentelemetry.trace import Tracer

from collector.batcher import Batcher
from collector.decode import encoding, logs, metrics, traces
from collector.decode.signal import Decoded
from collector.normalise import content
from collector.observe import RequestObserver
from store.errors import StoreUnavailable


@dataclass(frozen=True)
class Signal:
    name: str
    request: type[Message]
    response: type[Message]
    decode: Callable[[Message, str | None], Decoded]
    rejected_field: str


SIGNALS: dict[str, Signal] = {
    "traces": Signal("traces", trace_pb.ExportTraceServiceRequest, trace_pb.ExportTraceServiceResponse,
                     traces.decode, "rejected_spans"),
    "metrics": Signal("metrics", metrics_pb.ExportMetricsServiceRequest, metrics_pb.ExportMetricsServiceResponse,
                      metrics.decode, "rejected_data_points"),
    "logs": Signal("logs", logs_pb.ExportLogsServiceRequest, logs_pb.ExportLogsServiceResponse,
                   logs.decode, "rejected_log_records"),
}


def decode_body(signal_name: str, body: bytes, kind: str, content_encoding: str | None, limit: int,
                project: str | None, policy: content.ContentPolicy = content.ContentPolicy()) -> Decoded:
    """Bytes as received → rows to insert (runs in a worker process or a thread)."""
    signal = SIGNALS[signal_name]
    data = encoding.decompress(body, content_encoding, limit)
    decoded = signal.decode(encoding.parse(data, kind, signal.request()), project)
    decoded.tables = content.normalise(decoded.tables, policy)
    return decoded


def _start_worker() -> None:
    """Workers leave SIGINT/SIGTERM to the service, which drains and then stops them, and
    exit by themselves if the service dies without stopping them (SIGKILL, OOM killer)."""
    posix_signal.signal(posix_signal.SIGINT, posix_signal.SIG_IGN)
    posix_signal.signal(posix_signal.SIGTERM, posix_signal.SIG_IGN)
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


class Pipeline:
    def __init__(self, batcher: Batcher, max_body_bytes: int = 64 << 20, workers: int = 0,
                 meter: Meter | None = None, content_policy: content.ContentPolicy | None = None,
                 tracer: Tracer | None = None) -> None:
        self.batcher = batcher
        self.content_policy = content_policy or content.ContentPolicy()
        self.max_body_bytes = max_body_bytes
        self.workers = workers
        self._pool = self._new_pool()
        meter = meter or NoOpMeter("spyglass")
        self.observer = RequestObserver(meter, tracer)  # the transports' span and counts per request
        self._items = meter.create_counter(
            "spyglass.receiver.items", unit="{item}", description="Spans, data points and log records, by outcome")

    def _new_pool(self) -> ProcessPoolExecutor | None:
        if not self.workers:
            return None
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)

    async def export(self, signal: Signal, body: bytes, kind: str, content_encoding: str | None,
                     project: str | None) -> Message:
        """Store a request's items; returns the response once they are committed.

        Raises BadInput for undecodable bodies, QueueFull/StoreUnavailable (retryable) when
        the items could not be committed.
        """
        response, decoded = await self._export(signal, body, kind, content_encoding, project)
        self._items.add(decoded.accepted, {"signal": signal.name, "outcome": "accepted"})
        if decoded.rejected:
            self._items.add(decoded.rejected, {"signal": signal.name, "outcome": "rejected"})
        return response

    async def _export(self, signal: Signal, body: bytes, kind: str, content_encoding: str | None,
                      project: str | None) -> tuple[Message, Decoded]:
        args = (signal.name, body, kind, content_encoding, self.max_body_bytes, project, self.content_policy)
        pool = self._pool
        if pool is None:
            decoded = await asyncio.to_thread(decode_body, *args)
        else:
            try:
                decoded = await asyncio.get_running_loop().run_in_executor(pool, decode_body, *args)
            except BrokenProcessPool as exc:  # a worker died (OOM, kill): replace the pool, client retries
                if self._pool is pool:
                    self._pool = self._new_pool()
                raise StoreUnavailable("a decoding worker died; retry") from exc
        await asyncio.wrap_future(self.batcher.submit(decoded.tables))
        response = signal.response()
        if decoded.rejected:
            partial = response.partial_success
            setattr(partial, signal.rejected_field, decoded.rejected)
            partial.error_message = decoded.error_message
        return response, decoded

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
