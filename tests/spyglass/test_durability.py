"""Acknowledged means durable: restarts keep data, SIGTERM drains, and a SIGKILL during
continuous ingest loses no span whose request was answered 200."""

from __future__ import annotations

import os
import random
import re
import signal
import threading
import time

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from tests.helpers.service_process import ServiceProcess
from tests.helpers.stores import SERVER_URL


def _service(backend: str, tmp_path) -> ServiceProcess:
    """The real `spyglass up` on the backend under test (same database across restarts)."""
    if backend == "server":
        database = "spyglass_test_" + re.sub(r"\W", "_", tmp_path.name)
        return ServiceProcess(tmp_path / "data", extra_args=["--clickhouse-url", SERVER_URL, "--database", database])
    return ServiceProcess(tmp_path / "data")


def _attr(key: str, value) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _request(n: int, rng: random.Random) -> tuple[bytes, list[str]]:
    """A protobuf request of n GenAI spans; returns it and the span ids (hex)."""
    now = time.time_ns()
    spans, ids = [], []
    for _ in range(n):
        span_id = rng.randbytes(8)
        ids.append(span_id.hex())
        spans.append(Span(trace_id=rng.randbytes(16), span_id=span_id, name="chat m", kind=3,
                          start_time_unix_nano=now, end_time_unix_nano=now + 1_000_000,
                          attributes=[_attr("gen_ai.operation.name", "chat"), _attr("gen_ai.request.model", "m"),
                                      _attr("gen_ai.usage.input_tokens", 10)]))
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])])
    return request.SerializeToString(), ids


def _post(service: ServiceProcess, body: bytes) -> int:
    return httpx.post(f"{service.otlp_http}/v1/traces", content=body,
                      headers={"Content-Type": "application/x-protobuf"}, timeout=30).status_code


def _stored_span_ids(service: ServiceProcess) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while offset is not None:
        page = httpx.get(f"{service.api}/api/v1/llm-calls",
                         params={"since": "1d", "limit": 10_000, "offset": offset}, timeout=30).json()
        ids.update(row["span_id"] for row in page["rows"])
        offset = page["next_offset"]
    return ids


def test_restart_keeps_data_and_sigterm_drains(backend, tmp_path):
    rng = random.Random(1)
    service = _service(backend, tmp_path).start()
    body, ids = _request(50, rng)
    assert _post(service, body) == 200
    assert service.stop() == 0, service.log()

    service = _service(backend, tmp_path).start()
    try:
        assert _stored_span_ids(service) == set(ids)
    finally:
        service.stop()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_stop_during_ingest_loses_no_acknowledged_span(backend, tmp_path, sig):
    """SIGKILL: a crash. SIGTERM: a drain, which must also answer what it accepted and exit 0."""
    service = _service(backend, tmp_path).start()
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            body, ids = _request(200, rng)
            try:
                status = _post(service, body)
            except httpx.HTTPError:
                return  # the server died mid-request: not acknowledged
            if status == 200:
                with lock:
                    acknowledged.extend(ids)

    clients = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
    for thread in clients:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 5_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(service.process.pid, sig)
    exit_code = service.process.wait(60)
    stop.set()
    for thread in clients:
        thread.join(60)
    assert len(acknowledged) >= 5_000, "the clients kept ingesting until the signal"
    if sig == signal.SIGTERM:
        assert exit_code == 0, service.log()

    restarted = _service(backend, tmp_path).start()
    try:
        stored = _stored_span_ids(restarted)
        missing = set(acknowledged) - stored
        assert not missing, f"{len(missing)} acknowledged spans lost"
    finally:
        restarted.stop()


def test_decode_workers_exit_when_the_service_is_killed(tmp_path):
    import psutil

    service = ServiceProcess(tmp_path / "data", extra_args=["--collector-decode-workers", "2"]).start()
    body, _ = _request(10, random.Random(3))
    assert _post(service, body) == 200
    workers = [p for p in psutil.Process(service.process.pid).children() if "spawn_main" in " ".join(p.cmdline())]
    assert len(workers) >= 1
    service.kill()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "orphaned decode workers"
