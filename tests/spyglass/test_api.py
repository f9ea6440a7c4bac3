"""The REST API: numbers that are right, filters, paging, Arrow, 400s with messages, read keys."""

from __future__ import annotations

import httpx
import pyarrow as pa
import pytest

from tests.helpers.rollup_calls import within_rank

CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, request_model, response_model,
    input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, duration_ns, status, team, environment)
VALUES
('2026-11-20 10:00:00', 't1', 's1', 'p1', 'chat', 'gpt-4o', 'gpt-4o-2024', 100, 10, 50, 0, 100000000, 'ok', 'a', 'prod'),
('2026-11-20 10:10:00', 't2', 's2', 'p1', 'chat', 'gpt-4o', '', 200, 20, 0, 5, 200000000, 'error', 'a', 'prod'),
('2026-11-20 10:20:00', 't3', 's3', 'p1', 'search', 'gpt-4o', '', 300, 30, 0, 0, 300000000, 'ok', 'b', 'staging'),
('2026-11-20 11:30:00', 't4', 's4', 'p2', 'search', '', 'claude-sonnet-4', 1000, 100, 0, 0, 1000000000, 'ok', 'b', ''),
('2026-11-19 09:00:00', 't5', 's5', 'p1', 'chat', 'gpt-4o', '', 7, 7, 0, 0, 5000000, 'ok', 'a', 'dev')
"""
RANGE = {"since": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00Z"}


@pytest.fixture
def api(service):
    service.store.command(CALLS)
    service.store.command(CALLS)  # delivered twice: must count once
    return service


def get(service, path: str, params=None, **headers) -> httpx.Response:
    return httpx.get(f"{service.api}{path}", params=params, headers=headers, timeout=30)


def test_summary_overall_and_by_model(api):
    body = get(api, "/api/v1/summary", RANGE).json()
    overall = body["overall"]
    assert (overall["requests"], overall["errors"], overall["error_rate"]) == (4, 1, 0.25)
    assert overall["tokens"] == {"input": 1600, "output": 160, "cache_read": 50, "cache_write": 0,
                                 "reasoning": 5, "total": 1760}
    by_model = {m["model"]: m for m in body["by_model"]}
    assert set(by_model) == {"gpt-4o", "claude-sonnet-4"}
    gpt = by_model["gpt-4o"]
    assert (gpt["requests"], gpt["errors"], gpt["tokens"]["input"]) == (3, 1, 600)
    assert gpt["latency_ms"]["p50"] == pytest.approx(200, rel=0.01)
    assert 200 < gpt["latency_ms"]["p99"] and within_rank([100, 200, 300], 0.99, gpt["latency_ms"]["p99"])
    assert body["since"] == "2026-11-20T00:00:00Z"


@pytest.mark.parametrize("params, requests", [
    ({"service": "search"}, 2), ({"model": "claude-sonnet-4"}, 1), ({"model": "gpt-4o-2024"}, 1),
    ({"project": "p1"}, 3), ({"project": ["p1", "p2"], "service": "chat"}, 2),
    ({"service": "it's \"quoted\""}, 0),
])
def test_summary_filters(api, params, requests):
    assert get(api, "/api/v1/summary", {**RANGE, **params}).json()["overall"]["requests"] == requests


def test_llm_calls_paging_and_typed_rows(api):
    first = get(api, "/api/v1/llm-calls", {**RANGE, "limit": 3}).json()
    assert [r["span_id"] for r in first["rows"]] == ["s4", "s3", "s2"] and first["next_offset"] == 3
    second = get(api, "/api/v1/llm-calls", {**RANGE, "limit": 3, "offset": 3}).json()
    assert [r["span_id"] for r in second["rows"]] == ["s1"] and second["next_offset"] is None
    row = second["rows"][0]
    assert row["timestamp"] == "2026-11-20T10:00:00.000000000Z"
    assert (row["input_tokens"], row["cache_read_tokens"], row["duration_ns"], row["ttft_ns"]) == (
        100, 50, 100_000_000, None)
    assert [r["span_id"] for r in get(api, "/api/v1/llm-calls", {**RANGE, "team": "b"}).json()["rows"]] == [
        "s4", "s3"]
    assert get(api, "/api/v1/llm-calls", {**RANGE, "status": "error"}).json()["rows"][0]["span_id"] == "s2"


def test_llm_calls_as_arrow_ipc(api):
    response = get(api, "/api/v1/llm-calls", RANGE, Accept="application/vnd.apache.arrow.stream")
    assert response.headers["content-type"] == "application/vnd.apache.arrow.stream"
    table = pa.ipc.open_stream(response.content).read_all()
    assert table.num_rows == 4
    assert table.schema.field("input_tokens").type == pa.int64()
    assert pa.types.is_timestamp(table.schema.field("timestamp").type)


def test_timeseries_and_filters(api):
    body = get(api, "/api/v1/timeseries", {**RANGE, "step": 3600, "by": "model"}).json()
    assert body["step_seconds"] == 3600
    points = {(p["bucket"], p["series"]): p["requests"] for p in body["points"]}
    assert points == {("2026-11-20T10:00:00.000000000Z", "gpt-4o"): 3,
                      ("2026-11-20T11:00:00.000000000Z", "claude-sonnet-4"): 1}
    assert get(api, "/api/v1/filters", RANGE).json() == {  # no empty environment; 'dev' is out of the range
        "projects": ["p1", "p2"], "services": ["chat", "search"], "models": ["claude-sonnet-4", "gpt-4o"],
        "environments": ["prod", "staging"]}
    staging = get(api, "/api/v1/summary", {**RANGE, "environment": "staging"}).json()["overall"]
    assert staging["requests"] == 1


STREAMED = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, request_model, duration_ns, ttft_ns, status)
VALUES
('2026-11-22 10:00:00', 'u1', 's1', 'gpt-4o', 900000000, 100000000, 'ok'),
('2026-11-22 10:01:00', 'u2', 's2', 'gpt-4o', 900000000, 300000000, 'ok'),
('2026-11-22 10:02:00', 'u3', 's3', 'gpt-4o', 900000000, NULL, 'ok'),
('2026-11-22 10:03:00', 'u4', 's4', 'claude-sonnet-4', 500000000, NULL, 'ok')
"""
STREAMED_RANGE = {"since": "2026-11-22T00:00:00Z", "until": "2026-11-23T00:00:00Z"}


def test_time_to_first_token_covers_only_the_calls_that_reported_it(service):
    service.store.command(STREAMED)
    body = get(service, "/api/v1/summary", STREAMED_RANGE).json()
    assert body["overall"]["streamed_requests"] == 2 and body["overall"]["requests"] == 4
    by_model = {m["model"]: m for m in body["by_model"]}
    gpt, claude = by_model["gpt-4o"], by_model["claude-sonnet-4"]
    assert gpt["streamed_requests"] == 2
    # Between the two reported times (100 and 300 ms: the third call's missing TTFT is not a zero), within the rank
    # tolerance of the percentile estimates (the call rollups' sketch does not interpolate between two values).
    assert all(within_rank([100, 300], q, gpt["ttft_ms"][p]) for p, q in (("p50", 0.5), ("p95", 0.95)))
    # No call of this model streamed: no time to first token, rather than a zero.
    assert claude["streamed_requests"] == 0 and claude["ttft_ms"] == {"p50": None, "p95": None, "p99": None}
    series = get(service, "/api/v1/timeseries", {**STREAMED_RANGE, "step": 86400, "by": "model"}).json()
    ttft = {p["series"]: p["p95_ttft_ms"] for p in series["points"]}
    assert within_rank([100, 300], 0.95, ttft["gpt-4o"]) and ttft["claude-sonnet-4"] is None
    empty = get(service, "/api/v1/summary", RANGE).json()["overall"]
    assert empty["streamed_requests"] == 0 and empty["ttft_ms"]["p95"] is None


@pytest.mark.parametrize("path, params, fragment", [
    ("/api/v1/summary", {"since": "yesterday"}, "since"),
    ("/api/v1/summary", {"since": "2026-11-20T00:00:00"}, "time zone"),
    ("/api/v1/summary", {"since": "2026-11-21T00:00:00Z", "until": "2026-11-20T00:00:00Z"}, "before"),
    ("/api/v1/llm-calls", {"limit": 10001}, "limit"),
    ("/api/v1/llm-calls", {"limit": 0}, "limit"),
    ("/api/v1/llm-calls", {"offset": -1}, "offset"),
    ("/api/v1/llm-calls", {"limit": "ten"}, "limit"),
    ("/api/v1/timeseries", {"by": "nonsense"}, "by"),
    ("/api/v1/timeseries", {"step": 0}, "step"),
])
def test_invalid_parameters_are_400_with_a_message(service, path, params, fragment):
    response = get(service, path, params)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_read_keys(service_factory):
    service = service_factory(read_keys=["r1"])
    assert get(service, "/api/v1/summary").status_code == 401
    assert get(service, "/api/v1/summary", Authorization="Bearer nope").status_code == 401
    assert get(service, "/api/v1/summary", Authorization="Bearer r1").status_code == 200
    assert get(service, "/healthz").status_code == 200 and get(service, "/readyz").status_code == 200
