"""Spyglass's own metrics, made with the OpenTelemetry SDK, land in its own metric tables."""

from __future__ import annotations

import json

from tests.helpers.otlp_json import post, span_json, traces_json


def test_ingest_is_measured_in_the_store(service_factory):
    service = service_factory()
    body = json.dumps(traces_json(span_json("00000000000000A1"), span_json("BAD"))).encode()
    assert post(service, "traces", body).status_code == 200
    assert post(service, "traces", b"\x0a\xff\xff", "application/x-protobuf").status_code == 400
    service.service.telemetry.force_flush()

    sums = {(r["MetricName"], r["outcome"]): r["Value"] for r in service.rows(
        "SELECT MetricName, Attributes['outcome'] AS outcome, Value FROM otel_metrics_sum "
        "WHERE ServiceName = 'spyglass' AND ResourceAttributes['spyglass.project'] = 'spyglass'")}
    assert sums[("spyglass.receiver.requests", "ok")] == 1
    assert sums[("spyglass.receiver.requests", "BadInput")] == 1
    assert sums[("spyglass.receiver.items", "accepted")] == 1
    assert sums[("spyglass.receiver.items", "rejected")] == 1
    commits = service.rows("SELECT Count, Sum FROM otel_metrics_histogram "
                           "WHERE MetricName = 'spyglass.writer.batch.rows'")
    assert commits and commits[0]["Count"] >= 1 and commits[0]["Sum"] >= 1
    assert service.rows("SELECT count() AS n FROM otel_metrics_gauge WHERE MetricName = 'spyglass.writer.queue.rows'"
                        ) == [{"n": 1}]
