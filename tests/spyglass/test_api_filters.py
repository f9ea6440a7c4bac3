"""Every filter the LLM-call endpoints take narrows summary, time series and the calls alike (calls that
differ by each dimension), and status follows OpenTelemetry: a span the SDK left unset counts as ok."""

from __future__ import annotations

import httpx
import pytest

CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model, operation,
    status, error_type, team, feature, user_id, environment, host_name, session_id, input_tokens)
VALUES
('2026-11-20 10:00:00', 't1', 's1', 'p1', 'chat', 'openai', 'gpt-4o', 'chat', 'ok', '', 'search', 'ask', 'u1',
 'prod', 'h1', 'x1', 10),
('2026-11-20 10:05:00', 't2', 's2', 'p1', 'chat', 'openai', 'gpt-4o', 'chat', 'unset', '', 'search', 'ask', 'u2',
 'prod', 'h1', 'x1', 20),
('2026-11-20 10:10:00', 't3', 's3', 'p1', 'chat', 'anthropic', 'claude-sonnet-4', 'chat', 'error', 'timeout',
 'search', 'summarise', 'u1', 'staging', 'h2', 'x2', 30),
('2026-11-20 11:00:00', 't4', 's4', 'p2', 'batch', 'openai', 'text-embedding-3-small', 'embeddings', 'unset', '',
 'ads', 'ask', 'u3', 'prod', 'h2', 'x3', 40),
('2026-11-20 11:05:00', 't5', 's5', 'p2', 'batch', 'openai', 'gpt-4o', 'chat', 'ok', '', 'ads', 'summarise', 'u3',
 'staging', 'h1', 'x3', 50)
"""
RANGE = {"since": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00Z"}


@pytest.fixture
def calls(service):
    service.store.command(CALLS)
    return service


def _get(service, path: str, params: dict) -> dict:
    response = httpx.get(f"{service.api}/api/v1/{path}", params={**RANGE, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("params, spans", [
    ({}, ["s1", "s2", "s3", "s4", "s5"]),
    ({"team": "search"}, ["s1", "s2", "s3"]), ({"team": ["search", "ads"]}, ["s1", "s2", "s3", "s4", "s5"]),
    ({"feature": "ask"}, ["s1", "s2", "s4"]), ({"user_id": "u1"}, ["s1", "s3"]),
    ({"environment": "staging"}, ["s3", "s5"]), ({"provider": "anthropic"}, ["s3"]),
    ({"operation": "embeddings"}, ["s4"]), ({"error_type": "timeout"}, ["s3"]), ({"host_name": "h2"}, ["s3", "s4"]),
    ({"session_id": "x3"}, ["s4", "s5"]), ({"trace_id": "t4"}, ["s4"]), ({"project": "p2"}, ["s4", "s5"]),
    ({"service": "chat", "model": "gpt-4o"}, ["s1", "s2"]),
    # Status: ok is "not an error", so the spans that set no status count; unset alone picks those.
    ({"status": "ok"}, ["s1", "s2", "s4", "s5"]), ({"status": "error"}, ["s3"]), ({"status": "unset"}, ["s2", "s4"]),
    ({"team": "search", "status": "ok"}, ["s1", "s2"]),
])
def test_each_filter_narrows_summary_timeseries_and_calls_alike(calls, params, spans):
    summary = _get(calls, "summary", params)
    assert summary["overall"]["requests"] == len(spans)
    assert summary["overall"]["tokens"]["input"] == sum(10 * int(s[1]) for s in spans)
    points = _get(calls, "timeseries", {**params, "step": 3600})["points"]
    assert sum(p["requests"] for p in points) == len(spans)
    rows = _get(calls, "llm-calls", params)["rows"]
    assert sorted(r["span_id"] for r in rows) == spans


def test_status_series_fold_unset_into_ok(calls):
    points = _get(calls, "timeseries", {"by": "status", "step": 86400})["points"]
    assert {p["series"]: p["requests"] for p in points} == {"ok": 4, "error": 1}
    assert _get(calls, "summary", {})["overall"]["errors"] == 1


@pytest.mark.parametrize("params, message", [
    ({"status": "failed"}, "status: 'failed' is not one of ok, error, unset"),
    ({"operation": "execute_tool"}, "/api/v1/operations"),
    ({"user": "u1"}, "unknown parameter 'user' (did you mean 'user_id'?)"),
])
def test_a_filter_value_or_name_that_cannot_apply_is_refused(calls, params, message):
    for path in ("summary", "timeseries", "llm-calls"):
        response = httpx.get(f"{calls.api}/api/v1/{path}", params={**RANGE, **params}, timeout=30)
        assert response.status_code == 400 and message in response.json()["error"], (path, response.text)
