"""POST /api/v1/feedback against the real service: auth, validation (all-or-nothing), joining later."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from pipelines.quality.score_join import run_score_join
from tests.helpers.otel_clients import tracer_provider

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def _post(running, body, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{running.api}/api/v1/feedback", json=body, headers=headers, timeout=10)


def _count(running) -> int:
    return running.rows("SELECT count() AS n FROM quality_scores FINAL")[0]["n"]


@pytest.fixture
def keyed(service_factory):
    return service_factory(ingest_keys={"ingest-acme": "acme"}, read_keys=["reader"])


def test_feedback_needs_an_ingest_key_and_lands_in_its_project(keyed):
    item = {"trace_id": TRACE, "span_id": SPAN, "name": "thumbs", "value": 1, "comment": "great", "user": "u1"}
    assert _post(keyed, item).status_code == 401
    assert _post(keyed, item, key="reader").status_code == 401  # a read key does not write
    response = _post(keyed, item, key="ingest-acme")
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1 and response.json()["projects"] == ["acme"]
    assert response.json()["waiting"] == 1  # its call is not stored yet
    rows = keyed.rows("SELECT project, trace_id, span_id, name, value, label, source, evaluator, comment, joined "
                      "FROM quality_scores FINAL")
    assert rows == [{"project": "acme", "trace_id": TRACE, "span_id": SPAN, "name": "thumbs", "value": 1.0,
                     "label": "", "source": "feedback", "evaluator": "u1", "comment": "great", "joined": False}]


BAD = [
    ({"span_id": SPAN, "value": 1}, "trace_id"),
    ({"trace_id": "xyz", "value": 1}, "trace_id"),
    ({"trace_id": TRACE, "span_id": "123", "value": 1}, "span_id"),
    ({"trace_id": TRACE}, "give a value (number), a label, or both"),
    ({"trace_id": TRACE, "value": "good"}, "value"),
    ({"trace_id": "0" * 32, "value": 1}, "all zeros"),
    ({"trace_id": TRACE, "value": 1, "rating": 5}, "rating: Extra inputs are not permitted"),
    ("thumbs up", "feedback: Input should be a valid dictionary"),
    ([], "empty list"),
    ([{"trace_id": TRACE, "value": 1}] * 1001, "at most 1000"),
    ([{"trace_id": TRACE, "value": 1}, {"trace_id": TRACE, "label": "x" * 201}], "item 1: label: String should have"),
]


def test_comments_are_redacted_before_they_are_stored(service):
    comment = "wrong answer, mail me at jane.doe@example.com or call +44 20 7946 0958"
    item = {"trace_id": TRACE, "span_id": SPAN, "name": "thumbs", "value": 0, "comment": comment}
    assert _post(service, item).status_code == 200
    [row] = service.rows("SELECT comment FROM quality_scores FINAL")
    assert "jane.doe" not in row["comment"] and "7946" not in row["comment"]
    assert row["comment"].startswith("wrong answer, mail me at [REDACTED:email]")


def test_bad_input_is_a_400_and_writes_nothing(service):
    for body, message in BAD:  # one service for all cases: each case must leave the table empty
        response = _post(service, body)
        assert response.status_code == 400, body
        assert message in response.json()["error"], (body, response.json())
        assert _count(service) == 0, body


def test_a_batch_is_stored_whole_and_a_resend_replaces(service):
    batch = [{"trace_id": TRACE, "value": 1, "user": "a"}, {"trace_id": TRACE, "label": "thumbs_down", "user": "b"}]
    assert _post(service, batch).json()["accepted"] == 2
    assert _post(service, {"trace_id": TRACE, "value": -1, "user": "a"}).status_code == 200  # a changes their mind
    rows = service.rows("SELECT evaluator, value, label, project FROM quality_scores FINAL ORDER BY evaluator")
    assert rows == [{"evaluator": "a", "value": -1.0, "label": "", "project": "default"},
                    {"evaluator": "b", "value": None, "label": "thumbs_down", "project": "default"}]


def test_feedback_for_an_unknown_trace_is_joined_when_the_call_arrives(service):
    assert _post(service, {"trace_id": TRACE, "name": "helpful", "label": "positive"}).status_code == 200
    now = datetime.now(timezone.utc)
    assert run_score_join(service.store, now).joined == 0  # the trace has not arrived yet

    provider = tracer_provider("http", service, resource={"spyglass.team": "support"})
    parent = trace.set_span_in_context(NonRecordingSpan(SpanContext(
        int(TRACE, 16), int(SPAN, 16), is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))))
    with provider.get_tracer("test").start_as_current_span("chat", context=parent, kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "claude-sonnet-4"}):
        pass
    provider.shutdown()

    result = run_score_join(service.store, datetime.now(timezone.utc))
    assert (result.unjoined, result.joined) == (1, 1)
    rows = service.rows("SELECT name, label, model, team, service_name, joined FROM quality_scores FINAL")
    assert rows == [{"name": "helpful", "label": "positive", "model": "claude-sonnet-4", "team": "support",
                     "service_name": "chat-api", "joined": True}]


def test_feedback_does_not_take_a_project_from_the_body_over_the_key(keyed):
    item = {"trace_id": TRACE, "span_id": SPAN, "value": 1}
    response = _post(keyed, [item, {**item, "project": "support", "user": "u2"}], key="ingest-acme")
    assert response.status_code == 400
    assert "item 1: project 'support' is not the ingest key's project 'acme'" in response.json()["error"]
    assert _count(keyed) == 0
    assert _post(keyed, {**item, "project": "acme"}, key="ingest-acme").json()["projects"] == ["acme"]
