"""Feedback finds its call in any project: when ingest is open it belongs to the project of the call it names
(looked up at once, or moved by the score join when the call arrives later); with ingest keys it stays in the
key's project. Unjoined feedback older than the join horizon is reported. Calls are sent through the real SDK."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from pipelines.quality.score_join import move_feedback, run_score_join
from store.queries import quality_jobs
from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
ROWS = "SELECT project, score_id, evaluator, value, model, joined FROM quality_scores FINAL ORDER BY project, evaluator"


def _send_call(service, project: str, key: str | None = None) -> tuple[str, str]:
    """One chat call in trace TRACE, of `project` (its resource's spyglass.project, or the ingest key's);
    returns the call's trace and span ids."""
    headers = {"Authorization": f"Bearer {key}"} if key else None
    provider = tracer_provider("http", service, resource={"spyglass.project": project}, headers=headers)
    parent = trace.set_span_in_context(NonRecordingSpan(SpanContext(
        int(TRACE, 16), int(SPAN, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))))
    with provider.get_tracer("test").start_as_current_span("chat", context=parent, kind=SpanKind.CLIENT,
                                                           attributes={"gen_ai.operation.name": "chat",
                                                                       "gen_ai.request.model": "gpt-4o"}) as span:
        ids = span.get_span_context()
    provider.shutdown()
    eventually(lambda: service.count("llm_calls") >= 1, what="the call stored")
    return format(ids.trace_id, "032x"), format(ids.span_id, "016x")


def _post(service, body, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{service.api}/api/v1/feedback", json=body, headers=headers, timeout=10)


@pytest.fixture
def open_ingest(service_factory):
    return service_factory(quality={"join_interval_seconds": 3600})  # the tests run the join themselves


def test_feedback_for_a_stored_call_lands_in_the_call_s_project(open_ingest):
    trace_id, span_id = _send_call(open_ingest, "support")
    body = _post(open_ingest, [{"trace_id": trace_id, "span_id": span_id, "value": 1, "user": "a"},
                               {"trace_id": trace_id, "value": 1, "user": "b"}]).json()  # trace-level
    assert (body["projects"], body["waiting"]) == (["support", "support"], 0)
    assert run_score_join(open_ingest.store, datetime.now(timezone.utc)).joined == 2
    rows = open_ingest.rows(ROWS)
    assert [(r["project"], r["evaluator"], r["model"], r["joined"]) for r in rows] == [
        ("support", "a", "gpt-4o", True), ("support", "b", "gpt-4o", True)]


def test_a_project_the_call_is_not_in_is_refused_and_nothing_is_written(open_ingest):
    trace_id, span_id = _send_call(open_ingest, "support")
    response = _post(open_ingest, {"trace_id": trace_id, "span_id": span_id, "value": 1, "project": "billing"})
    assert response.status_code == 400
    assert "project 'billing', but the call it names is in project 'support'" in response.json()["error"]
    assert open_ingest.rows("SELECT count() AS n FROM quality_scores")[0]["n"] == 0


def test_early_feedback_moves_to_its_call_s_project_when_the_call_arrives(open_ingest):
    early = {"trace_id": TRACE, "span_id": "", "name": "thumbs", "value": 1, "user": "a"}
    body = _post(open_ingest, early).json()
    assert (body["projects"], body["waiting"]) == (["default"], 1)
    [stored] = open_ingest.rows(ROWS)
    assert (stored["project"], stored["score_id"]) == ("default", body["score_ids"][0])
    assert run_score_join(open_ingest.store, datetime.now(timezone.utc)).moved == 0  # no call yet

    _send_call(open_ingest, "support")  # a call of that trace, in project support
    result = run_score_join(open_ingest.store, datetime.now(timezone.utc))
    assert (result.joined, result.moved) == (1, 1)
    # One row, in support, joined, with the id feedback has there; the default row is gone for every reader.
    [moved] = open_ingest.rows(ROWS)
    assert (moved["project"], moved["model"], moved["joined"]) == ("support", "gpt-4o", True)
    assert open_ingest.rows("SELECT count() AS n FROM quality_scores WHERE project = 'default'")[0]["n"] == 0
    # A re-send now resolves to support and replaces the moved row instead of adding one.
    again = _post(open_ingest, {**early, "value": -1}).json()
    assert again["score_ids"] == [moved["score_id"]] and again["waiting"] == 0
    assert [(r["project"], r["value"]) for r in open_ingest.rows(ROWS)] == [("support", -1.0)]


def test_a_move_interrupted_before_the_delete_is_finished_by_the_next_run(open_ingest):
    assert _post(open_ingest, {"trace_id": TRACE, "value": 1, "user": "a"}).status_code == 200
    _send_call(open_ingest, "support")
    now = datetime.now(timezone.utc)
    scores = quality_jobs.unjoined_scores(open_ingest.store, now - timedelta(days=1), 100)
    moved, old_ids = move_feedback(scores, quality_jobs.calls_of_traces(open_ingest.store, [TRACE]), now)
    open_ingest.store.insert_arrow("quality_scores", moved.to_arrow())  # ... and the run dies here
    assert sorted(r["project"] for r in open_ingest.rows(ROWS)) == ["default", "support"]
    assert run_score_join(open_ingest.store, datetime.now(timezone.utc)).moved == 1
    assert [(r["project"], r["joined"]) for r in open_ingest.rows(ROWS)] == [("support", True)]
    assert old_ids and open_ingest.rows("SELECT count() AS n FROM quality_scores WHERE score_id IN {ids:Array(String)}",
                                        {"ids": old_ids})[0]["n"] == 0


def test_with_ingest_keys_feedback_stays_in_the_key_s_project(service_factory):
    keyed = service_factory(ingest_keys={"ingest-acme": "acme", "ingest-support": "support"},
                            quality={"join_interval_seconds": 1})
    trace_id, span_id = _send_call(keyed, "support", key="ingest-support")
    body = _post(keyed, {"trace_id": trace_id, "span_id": span_id, "value": 1}, key="ingest-acme").json()
    assert (body["projects"], body["waiting"]) == (["acme"], 1)
    eventually(lambda: keyed.rows("SELECT count() AS n FROM quality_scores FINAL WHERE joined")[0]["n"] == 0
               and _join_runs(keyed) >= 2, what="two runs of the quality-join job")
    assert [(r["project"], r["joined"]) for r in keyed.rows(ROWS)] == [("acme", False)]


def _join_runs(service) -> int:
    return httpx.get(f"{service.api}/readyz", timeout=10).json()["jobs"]["quality-join"]["runs"]


def test_unjoined_feedback_older_than_the_join_horizon_is_reported(service_factory):
    running = service_factory(quality={"join_interval_seconds": 1})
    old = datetime.now(timezone.utc) - timedelta(days=9)
    running.store.command("""
INSERT INTO quality_scores (timestamp, project, trace_id, span_id, score_id, name, value, source, joined, updated_at)
VALUES ({old:DateTime64(9, 'UTC')}, 'default', {trace:String}, '', 'old-1', 'thumbs', 1, 'feedback', false, now64(3)),
       ({old:DateTime64(9, 'UTC')}, 'billing', {trace:String}, '', 'old-2', 'thumbs', 1, 'feedback', false, now64(3))
""", {"old": old.strftime("%Y-%m-%d %H:%M:%S.%f"), "trace": TRACE})
    assert _post(running, {"trace_id": "a" * 32, "value": 1}).status_code == 200  # waiting, within the horizon

    def feedback(**params) -> dict:
        return httpx.get(f"{running.api}/api/v1/quality/feedback", params=params, timeout=10).json()["unjoined"]

    report = feedback()
    assert (report["horizon_seconds"], report["waiting"], report["expired"]) == (7 * 86400, 1, 2)
    assert report["oldest_expired"].startswith(old.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (feedback(project="billing")["expired"], feedback(project="nobody")["oldest_expired"]) == (1, None)

    def job() -> dict:
        return httpx.get(f"{running.api}/readyz", timeout=10).json()["jobs"]["quality-join"]["last_result"] or {}

    eventually(lambda: job().get("expired_feedback") == 2, what="readiness reporting the expired feedback")
    assert job()["oldest_expired_feedback"].startswith(old.strftime("%Y-%m-%dT%H:%M:%S"))
