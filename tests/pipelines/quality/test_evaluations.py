"""Evaluations sent by the real OpenTelemetry SDK land in quality_scores and are joined to their call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from pipelines.quality.score_join import run_score_join
from tests.helpers.otel_clients import logger_provider, tracer_provider
from tests.helpers.wait import eventually

CALL = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 5, "spyglass.team": "search", "spyglass.feature": "answers"}


@pytest.fixture
def service(service_factory):
    """The test runs the jobs itself: without the scheduler role none of the service's own runs can race it."""
    return service_factory(roles=("collector", "api"))


def _scores(running, expected: int) -> list[dict]:
    def scores() -> list[dict] | None:
        rows = running.rows("SELECT * EXCEPT updated_at FROM quality_scores FINAL ORDER BY name")
        return rows if len(rows) >= expected else None

    return eventually(scores, what=f"{expected} scores stored")


def test_span_events_log_events_and_evaluator_spans_become_joined_scores(service):
    traces = tracer_provider("http", service, resource={"spyglass.project": "acme"})
    logs = logger_provider("http", service, resource={"spyglass.project": "acme", "service.name": "judge"})
    tracer = traces.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes=CALL) as call:
        call.add_event("gen_ai.evaluation.result", {
            "gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.25,
            "gen_ai.evaluation.score.label": "fail", "gen_ai.evaluation.explanation": "off topic"})
        logs.get_logger("judge").emit(
            event_name="gen_ai.evaluation.result", context=trace.set_span_in_context(call),
            attributes={"gen_ai.evaluation.name": "faithfulness", "gen_ai.evaluation.score.value": 0.9,
                        "gen_ai.evaluation.score.label": "pass"})
        with tracer.start_as_current_span("Hallucination", attributes={
                "openinference.span.kind": "EVALUATOR", "eval.name": "hallucination", "eval.score": 1,
                "eval.label": "factual", "eval.explanation": "grounded", "metadata.evaluator_name": "phoenix-judge"}):
            pass
    call_ids = (format(call.get_span_context().trace_id, "032x"), format(call.get_span_context().span_id, "016x"))
    traces.shutdown()
    logs.shutdown()

    scores = _scores(service, 3)
    assert [(s["name"], s["value"], s["label"], s["source"], s["comment"]) for s in scores] == [
        ("faithfulness", 0.9, "pass", "eval", ""),
        ("hallucination", 1.0, "factual", "eval", "grounded"),
        ("relevance", 0.25, "fail", "eval", "off topic")]
    assert {(s["trace_id"], s["span_id"]) for s in scores} == {call_ids}  # all about the LLM call
    assert [s["evaluator"] for s in scores] == ["judge", "phoenix-judge", "chat-api"]
    assert {s["project"] for s in scores} == {"acme"} and not any(s["joined"] for s in scores)

    result = run_score_join(service.store, datetime.now(timezone.utc))
    assert (result.unjoined, result.joined) == (3, 3)
    joined = _scores(service, 3)
    assert len(joined) == 3
    assert {(s["service_name"], s["model"], s["team"], s["feature"], s["joined"]) for s in joined} == {
        ("chat-api", "gpt-4o", "search", "answers", True)}
    assert run_score_join(service.store, datetime.now(timezone.utc)).unjoined == 0


def test_a_redelivered_evaluation_is_one_score_and_stays_joined(service):
    traces = tracer_provider("http", service)
    with traces.get_tracer("test").start_as_current_span("chat", attributes=CALL) as call:
        call.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "tone",
                                                    "gen_ai.evaluation.score.value": 0.5})
    traces.shutdown()
    _scores(service, 1)
    assert run_score_join(service.store, datetime.now(timezone.utc)).joined == 1
    # The same span again (an exporter retry): the views score it again with the same score_id.
    service.store.command("INSERT INTO otel_traces SELECT * FROM otel_traces")
    rows = service.rows("SELECT name, joined FROM quality_scores FINAL")
    assert rows == [{"name": "tone", "joined": True}]


def test_evaluations_without_a_call_stay_unjoined(service):
    traces = tracer_provider("http", service)
    with traces.get_tracer("test").start_as_current_span("agent step") as span:  # not an LLM call
        span.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "helpfulness",
                                                    "gen_ai.evaluation.score.label": "good"})
    traces.shutdown()
    _scores(service, 1)
    result = run_score_join(service.store, datetime.now(timezone.utc) + timedelta(seconds=1))
    assert (result.unjoined, result.joined) == (1, 0)
    assert service.rows("SELECT value, label, joined FROM quality_scores FINAL") == [
        {"value": None, "label": "good", "joined": False}]
