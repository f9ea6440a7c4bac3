"""OTLP/HTTP as the specification says: encodings, compression, partial success, and a
status for every bad input that writes nothing and leaves the service healthy."""

from __future__ import annotations

import gzip
import json
import threading

import httpx
import pytest
from google.protobuf import json_format
from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.helpers.otlp_json import TRACE_ID, post, span_json, traces_json
from tests.helpers.wait import eventually

TABLES = ("otel_traces", "llm_calls", "otel_logs", "otel_metrics_gauge", "otel_metrics_sum",
          "otel_metrics_histogram", "otel_metrics_exponential_histogram", "otel_metrics_summary")


def counts(service) -> dict[str, int]:
    return {table: service.count(table) for table in TABLES}


def test_json_traces_with_hex_ids_string_int64_and_unknown_fields(service):
    response = post(service, "traces", json.dumps(traces_json(span_json())).encode())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}, "full success leaves partial_success unset"
    row = service.rows("SELECT * FROM otel_traces")[0]
    assert (row["TraceId"], row["SpanId"], row["ParentSpanId"]) == (
        TRACE_ID.lower(), "eee19b7ec3c1b174", "eee19b7ec3c1b173")
    assert (row["SpanKind"], row["StatusCode"], row["StatusMessage"]) == ("Client", "Error", "boom")
    assert row["Duration"] == 1_500_000_000
    assert row["ServiceName"] == "json-svc" and row["ScopeName"] == "hand"
    attributes = dict(row["SpanAttributes"])
    assert attributes["gen_ai.response.finish_reasons"] == '["stop"]'
    assert (attributes["temperature"], attributes["stream"]) == ("0.5", "true")
    call = service.rows("SELECT input_tokens, output_tokens, status, error_type FROM llm_calls FINAL")[0]
    assert call == {"input_tokens": 9007199254740993, "output_tokens": 12, "status": "error",
                    "error_type": "_OTHER"}


def test_gzip_json_and_protobuf_response_encoding(service):
    body = gzip.compress(json.dumps(traces_json(span_json())).encode())
    assert post(service, "traces", body, **{"Content-Encoding": "gzip"}).status_code == 200
    empty = post(service, "traces", b"", "application/x-protobuf")
    assert empty.status_code == 200 and empty.headers["content-type"] == "application/x-protobuf"
    assert service.count("otel_traces") == 1


def test_partial_success_counts_spans_with_malformed_ids(service):
    good = span_json("00000000000000AA")
    bad_hex = span_json("NOT-HEX!")
    short = span_json("ABCD")
    zero_trace = span_json("00000000000000BB", trace_id="0" * 32)
    response = post(service, "traces", json.dumps(traces_json(good, bad_hex, short, zero_trace)).encode())
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert int(partial["rejectedSpans"]) == 3 and "span_id" in partial["errorMessage"]
    assert service.rows("SELECT SpanId FROM otel_traces") == [{"SpanId": "00000000000000aa"}]

    request = ExportTraceServiceRequest()
    json_format.ParseDict(traces_json(), request)
    request.resource_spans[0].scope_spans[0].spans.add(name="x", trace_id=b"\x01" * 16, span_id=b"\x02" * 3)
    proto = post(service, "traces", request.SerializeToString(), "application/x-protobuf")
    assert proto.status_code == 200
    assert ExportTraceServiceResponse.FromString(proto.content).partial_success.rejected_spans == 1


def test_metrics_of_every_kind_reach_their_tables(service):
    point = {"timeUnixNano": "1763700000000000000", "startTimeUnixNano": "1763699000000000000",
             "attributes": [{"key": "hw.id", "value": {"stringValue": "GPU-1"}}]}
    metrics = [
        {"name": "hw.gpu.utilization", "unit": "1", "gauge": {"dataPoints": [{**point, "asDouble": 0.75}]}},
        {"name": "hw.energy", "unit": "J", "sum": {"aggregationTemporality": 2, "isMonotonic": True,
                                                    "dataPoints": [{**point, "asInt": "123456"}]}},
        {"name": "gen_ai.client.operation.duration", "unit": "s", "histogram": {
            "aggregationTemporality": 2, "dataPoints": [{**point, "count": "3", "sum": 1.5,
                                                         "bucketCounts": ["1", "2", "0"],
                                                         "explicitBounds": [0.1, 1.0], "min": 0.05, "max": 0.9}]}},
        {"name": "latency.exp", "unit": "s", "exponentialHistogram": {
            "aggregationTemporality": 1, "dataPoints": [{**point, "count": "4", "sum": 2.0, "scale": 3,
                                                         "zeroCount": "1",
                                                         "positive": {"offset": 2, "bucketCounts": ["1", "2"]}}]}},
        {"name": "rpc.summary", "unit": "ms", "summary": {"dataPoints": [{**point, "count": "10", "sum": 50.0,
            "quantileValues": [{"quantile": 0.5, "value": 4.0}, {"quantile": 0.99, "value": 9.0}]}]}},
    ]
    body = {"resourceMetrics": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "gpu-node"}}]},
        "scopeMetrics": [{"scope": {"name": "m"}, "metrics": metrics}]}]}
    response = post(service, "metrics", json.dumps(body).encode())
    assert response.status_code == 200, response.text
    gauge = service.rows("SELECT MetricName, Value, Attributes, ServiceName FROM otel_metrics_gauge")[0]
    assert (gauge["MetricName"], gauge["Value"], dict(gauge["Attributes"]), gauge["ServiceName"]) == (
        "hw.gpu.utilization", 0.75, {"hw.id": "GPU-1"}, "gpu-node")
    assert service.rows("SELECT Value, AggregationTemporality AS t, IsMonotonic AS m FROM otel_metrics_sum") == [
        {"Value": 123456.0, "t": 2, "m": True}]
    assert service.rows("SELECT Count, BucketCounts, ExplicitBounds, Min, Max FROM otel_metrics_histogram") == [
        {"Count": 3, "BucketCounts": [1, 2, 0], "ExplicitBounds": [0.1, 1.0], "Min": 0.05, "Max": 0.9}]
    assert service.rows("SELECT Scale, ZeroCount, PositiveOffset, PositiveBucketCounts "
                        "FROM otel_metrics_exponential_histogram") == [
        {"Scale": 3, "ZeroCount": 1, "PositiveOffset": 2, "PositiveBucketCounts": [1, 2]}]
    assert service.rows("SELECT Count, `ValueAtQuantiles.Quantile` AS q, `ValueAtQuantiles.Value` AS v "
                        "FROM otel_metrics_summary") == [{"Count": 10, "q": [0.5, 0.99], "v": [4.0, 9.0]}]


def test_logs_reach_otel_logs(service):
    body = {"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]},
            "scopeLogs": [{"scope": {"name": "l"}, "logRecords": [
                {"timeUnixNano": "0", "observedTimeUnixNano": "1763700000000000000", "severityNumber": 17,
                 "severityText": "ERROR", "eventName": "gen_ai.evaluation.result", "traceId": TRACE_ID,
                 "spanId": "EEE19B7EC3C1B174", "flags": 1,
                 "body": {"kvlistValue": {"values": [{"key": "score", "value": {"doubleValue": 0.9}}]}},
                 "attributes": [{"key": "gen_ai.evaluation.name", "value": {"stringValue": "relevance"}}]}]}]}]}
    assert post(service, "logs", json.dumps(body).encode()).status_code == 200
    row = service.rows("SELECT toUnixTimestamp64Nano(Timestamp) AS ts, * FROM otel_logs")[0]
    assert row["ts"] == 1763700000000000000, "falls back to the observed time when time is 0"
    assert (row["SeverityNumber"], row["SeverityText"], row["EventName"]) == (17, "ERROR", "gen_ai.evaluation.result")
    assert (row["TraceId"], row["TraceFlags"], row["Body"]) == (TRACE_ID.lower(), 1, '{"score":0.9}')
    assert dict(row["LogAttributes"]) == {"gen_ai.evaluation.name": "relevance"}


def _status(response: httpx.Response) -> status_pb2.Status:
    if response.headers["content-type"].startswith("application/json"):
        return status_pb2.Status(message=response.json()["message"])
    return status_pb2.Status.FromString(response.content)


BAD_REQUESTS = {
    "undecodable protobuf": (400, lambda s: post(s, "traces", b"\x0a\xff\xff\xff\xff\x0f", "application/x-protobuf")),
    "invalid json": (400, lambda s: post(s, "traces", b'{"resourceSpans": [')),
    "json not an object": (400, lambda s: post(s, "traces", b"[1, 2]")),
    "wrong json field type": (400, lambda s: post(s, "traces", b'{"resourceSpans": 5}')),
    "not gzip": (400, lambda s: post(s, "traces", b"plain", **{"Content-Encoding": "gzip"})),
    "media type": (415, lambda s: post(s, "traces", b"hello", "text/plain")),
    "content encoding": (415, lambda s: post(s, "traces", b"{}", **{"Content-Encoding": "br"})),
    "method": (405, lambda s: httpx.get(f"{s.otlp_http}/v1/traces")),
    "too large": (413, lambda s: post(s, "traces", b" " * (2 << 20))),
    "gzip bomb": (413, lambda s: post(s, "traces", gzip.compress(b"\0" * (64 << 20)), "application/x-protobuf",
                                      **{"Content-Encoding": "gzip"})),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_input_gets_its_status_and_writes_nothing(case, service_factory):
    service = service_factory(collector={"max_body_bytes": 1 << 20})
    before = counts(service)
    expected, send = BAD_REQUESTS[case]
    response = send(service)
    assert response.status_code == expected
    if expected != 405:
        assert _status(response).message, "the body explains the error"
    assert counts(service) == before
    assert service.ready()
    assert post(service, "traces", json.dumps(traces_json(span_json())).encode()).status_code == 200


def test_ingest_keys_authenticate_and_select_the_project(service_factory):
    service = service_factory(ingest_keys={"key-a": "team-a-project"})
    body = json.dumps(traces_json(span_json())).encode()
    assert post(service, "traces", body).status_code == 401
    assert post(service, "traces", body, Authorization="Bearer wrong").status_code == 401
    assert post(service, "traces", body, Authorization="Basic key-a").status_code == 401
    assert service.count("otel_traces") == 0
    assert post(service, "traces", body, Authorization="Bearer key-a").status_code == 200
    assert service.rows("SELECT project FROM llm_calls FINAL") == [{"project": "team-a-project"}]


def test_a_full_queue_answers_503_with_retry_after(service_factory):
    service = service_factory(collector={"queue_max_rows": 2, "batch_linger_ms": 1500, "batch_max_rows": 1000,
                                         "retry_after_seconds": 3})
    first_done = []
    first = threading.Thread(target=lambda: first_done.append(post(service, "traces", json.dumps(
        traces_json(span_json("00000000000000A1"), span_json("00000000000000A2"))).encode())))
    first.start()
    eventually(lambda: service.service.batcher.queued_rows, timeout=5, interval=0.01, what="rows queued")
    refused = post(service, "traces", json.dumps(traces_json(span_json("00000000000000B1"))).encode())
    first.join()
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "3"
    assert "queue" in _status(refused).message
    assert first_done[0].status_code == 200
    assert sorted(r["SpanId"] for r in service.rows("SELECT SpanId FROM otel_traces")) == [
        "00000000000000a1", "00000000000000a2"]
