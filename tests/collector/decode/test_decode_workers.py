"""Decoding in worker processes: same rows, same errors, and a dead worker costs one retry."""

from __future__ import annotations

import json
import os
import signal

import httpx
import psutil

from tests.helpers.genai_dialects import EXPECTED, send_dialects
from tests.helpers.otlp_json import post, span_json, traces_json


def test_spans_decoded_by_workers_are_the_same_rows(service_factory):
    service = service_factory(collector={"decode_workers": 2})
    send_dialects("http", service)
    rows = {r["span_name"]: r for r in service.rows("SELECT * FROM llm_calls FINAL")}
    assert {name: {k: rows[name][k] for k in expected} for name, expected in EXPECTED.items()} == EXPECTED
    workers = psutil.Process().children()
    assert len([w for w in workers if "multiprocessing" in " ".join(w.cmdline())]) >= 2


def test_errors_raised_in_a_worker_keep_their_status(service_factory):
    service = service_factory(collector={"decode_workers": 1, "max_body_bytes": 1 << 20})
    assert post(service, "traces", b"\x0a\xff\xff\xff\xff\x0f", "application/x-protobuf").status_code == 400
    import gzip
    bomb = post(service, "traces", gzip.compress(b"\0" * (8 << 20)), "application/x-protobuf",
                **{"Content-Encoding": "gzip"})
    assert bomb.status_code == 413
    response = post(service, "traces", json.dumps(traces_json(span_json("00000000000000AA"),
                                                             span_json("BAD"))).encode())
    assert response.status_code == 200 and response.json()["partialSuccess"]["rejectedSpans"] == "1"


def test_a_killed_worker_is_replaced(service_factory):
    service = service_factory(collector={"decode_workers": 1})
    body = json.dumps(traces_json(span_json("00000000000000A1"))).encode()
    assert post(service, "traces", body).status_code == 200
    worker = next(w for w in psutil.Process().children() if "multiprocessing" in " ".join(w.cmdline())
                  and "resource_tracker" not in " ".join(w.cmdline()))
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    statuses = [post(service, "traces", json.dumps(traces_json(span_json(f"00000000000000B{i}"))).encode()
                     ).status_code for i in range(3)]
    assert statuses[-1] == 200 and set(statuses) <= {200, 503}
    assert httpx.get(f"{service.api}/readyz").status_code == 200
