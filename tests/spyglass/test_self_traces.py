"""Spyglass traces itself into its own store (service.name spyglass), sampled per kind of work, without recursion:
its spans go to the writer directly, so tracing an ingest request never makes another one."""

from __future__ import annotations

import httpx
from opentelemetry.trace import SpanKind

from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually

INGEST = ("otlp http export traces", "otlp grpc export traces")
NO_JOBS = {"jobs_trace_ratio": 0.0}  # the test default (tests/helpers/in_process.py), said here
# The jobs share the in-process store with the API, so a read can wait behind a rule evaluation on a loaded runner.
TIMEOUT = 30


def _spans(service, where: str = "1") -> list[dict]:
    service.service.self_traces.force_flush()
    rows = service.rows(f"""
SELECT SpanName AS name, TraceId AS trace_id, SpanId AS span_id, ParentSpanId AS parent, SpanKind AS kind,
    SpanAttributes AS attributes, ResourceAttributes['spyglass.project'] AS project, StatusCode AS status
FROM otel_traces WHERE ServiceName = 'spyglass' AND {where} ORDER BY Timestamp""")
    return [{**r, "attributes": dict(r["attributes"])} for r in rows]


def _send(service, protocol: str, count: int) -> None:
    provider = tracer_provider(protocol, service)
    tracer = provider.get_tracer("app")
    for i in range(count):  # SimpleSpanProcessor: one export request per span
        with tracer.start_as_current_span(f"work {i}", kind=SpanKind.SERVER):
            pass
    provider.shutdown()


def test_every_ingest_request_is_traced_once_at_ratio_one(service_factory):
    service = service_factory(telemetry={"ingest_trace_ratio": 1.0, **NO_JOBS})
    _send(service, "http", 4)
    _send(service, "grpc", 3)
    eventually(lambda: service.count("otel_traces") >= 7, what="the application's spans")
    # Flush twice: spans of the self-exporter's own writes would show up in a second round if there were any.
    _spans(service)
    spans = _spans(service, f"SpanName IN {INGEST!r}")
    assert [s["name"] for s in spans] == [INGEST[0]] * 4 + [INGEST[1]] * 3
    assert all(s["attributes"]["http.response.status_code"] == "200" and s["kind"] == "Server"
               and s["project"] == "spyglass" and s["parent"] == "" for s in spans)
    assert int(spans[0]["attributes"]["otlp.body.bytes"]) > 0
    assert len({s["trace_id"] for s in spans}) == 7
    apps = service.rows("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'chat-api'")
    assert apps == [{"n": 7}]


def test_a_refused_ingest_request_is_traced_with_its_status(service_factory):
    service = service_factory(telemetry={"ingest_trace_ratio": 1.0, **NO_JOBS})
    answer = httpx.post(f"{service.otlp_http}/v1/traces", content=b"\x0a\xff\xff",
                        headers={"content-type": "application/x-protobuf"}, timeout=TIMEOUT)
    assert answer.status_code == 400
    [span] = _spans(service, f"SpanName = '{INGEST[0]}'")
    assert span["attributes"]["http.response.status_code"] == "400"
    assert span["attributes"]["spyglass.outcome"] == "BadInput"


def test_ratio_zero_traces_no_ingest_request(service_factory):
    service = service_factory(telemetry={"ingest_trace_ratio": 0.0, "api_trace_ratio": 1.0, **NO_JOBS})
    _send(service, "http", 3)
    assert httpx.get(f"{service.api}/api/v1/traces", timeout=TIMEOUT).status_code == 200
    # The API request's span ends after its answer is sent: wait for it, then none of the ingest requests is there.
    names = [s["name"] for s in eventually(lambda: _spans(service), what="the API request's span")]
    assert names == ["GET /api/v1/traces"]  # the API request is traced, none of the ingest requests


def test_an_api_request_is_a_server_span_named_by_its_route(service_factory):
    service = service_factory(telemetry={"api_trace_ratio": 1.0, **NO_JOBS})
    trace_id = "0" * 31 + "1"
    assert httpx.get(f"{service.api}/api/v1/traces/{trace_id}", timeout=TIMEOUT).status_code == 404
    assert httpx.get(f"{service.api}/healthz", timeout=TIMEOUT).status_code == 200
    assert httpx.get(f"{service.api}/metrics", timeout=TIMEOUT).status_code == 200
    [span] = _spans(service)
    assert span["name"] == "GET /api/v1/traces/{trace_id}" and span["kind"] == "Server"
    assert span["attributes"]["http.route"] == "/api/v1/traces/{trace_id}"
    assert span["attributes"]["url.path"] == f"/api/v1/traces/{trace_id}"
    assert span["attributes"]["http.response.status_code"] == "404"


def test_job_runs_and_rule_evaluations_are_traced_and_listed(service_factory):
    service = service_factory(telemetry={"jobs_trace_ratio": 1.0, "ingest_trace_ratio": 0.0, "api_trace_ratio": 0.0})
    job = eventually(lambda: _spans(service, "SpanName = 'job alerts'"), what="a traced alerts job run")[0]
    assert job["parent"] == "" and job["attributes"]["job.name"] == "alerts"
    rules = _spans(service, f"TraceId = '{job['trace_id']}' AND SpanName LIKE 'alert rule %'")
    assert rules and all(r["parent"] == job["span_id"] for r in rules)
    assert {r["attributes"]["alert.rule"] for r in rules} >= {"cost-spike", "unpriced-model"}
    costs = eventually(lambda: _spans(service, "SpanName = 'job costs'"), what="a traced costs job run")[0]

    # The trace explorer lists Spyglass's own traces (no LLM call) with service=spyglass, and opens them.
    listed = httpx.get(f"{service.api}/api/v1/traces", params={"service": "spyglass", "limit": 1000},
                       timeout=TIMEOUT).json()
    assert {job["trace_id"], costs["trace_id"]} <= {r["trace_id"] for r in listed["rows"]}
    row = next(r for r in listed["rows"] if r["trace_id"] == job["trace_id"])
    assert row["root_span_name"] == "job alerts" and row["service"] == "spyglass" and row["llm_calls"] == 0
    assert row["cost"] == "0" or float(row["cost"]) == 0
    detail = httpx.get(f"{service.api}/api/v1/traces/{job['trace_id']}", timeout=TIMEOUT).json()
    assert {s["name"] for s in detail["spans"]} >= {"job alerts", *(r["name"] for r in rules)}
    # The app's list is unchanged: without service=spyglass only traces with an LLM call are listed.
    assert httpx.get(f"{service.api}/api/v1/traces", timeout=TIMEOUT).json()["rows"] == []


def test_the_self_trace_list_sorts_by_duration_and_pages(service_factory):
    service = service_factory(telemetry={"jobs_trace_ratio": 1.0, "ingest_trace_ratio": 0.0, "api_trace_ratio": 0.0})
    eventually(lambda: len(_spans(service, "ParentSpanId = '' AND SpanName LIKE 'job %'")) >= 4,
               what="four traced job runs")
    params = {"service": "spyglass", "sort": "duration", "limit": 2}
    first = httpx.get(f"{service.api}/api/v1/traces", params=params, timeout=TIMEOUT).json()
    second = httpx.get(f"{service.api}/api/v1/traces", params={**params, "cursor": first["next_cursor"],
                                                               "since": first["since"], "until": first["until"]},
                       timeout=TIMEOUT).json()
    roots = _spans(service, "ParentSpanId = ''")  # after the list: the jobs keep tracing their runs meanwhile
    rows = first["rows"] + second["rows"]
    assert len(rows) == 4 and len({r["trace_id"] for r in rows}) == 4
    durations = [r["duration_ms"] for r in rows]
    assert durations == sorted(durations, reverse=True)
    assert {r["trace_id"] for r in rows} <= {r["trace_id"] for r in roots}
