"""The quality API over scores sent by the real SDK and the feedback API, priced by the real cost job."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from opentelemetry.trace import SpanKind

from pipelines.costs.catalog import load_shipped
from pipelines.costs.job import run_cost_job
from pipelines.quality.score_join import run_score_join
from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually

# gpt-4o: 1000 * 2.50 / 1e6 + 400 * 10 / 1e6; gpt-4o-mini: 1000 * 0.15 / 1e6 + 400 * 0.60 / 1e6
GPT_4O, GPT_4O_MINI = Decimal("0.0065"), Decimal("0.00039")


def money(value: Decimal) -> str:
    """As the API writes money: plain decimal text without trailing zeros ("0.013")."""
    return format(value.normalize(), "f")


def _eval(span, name: str, value: float | None = None, label: str = "", explanation: str = "") -> None:
    attributes = {"gen_ai.evaluation.name": name, "gen_ai.evaluation.score.label": label,
                  "gen_ai.evaluation.explanation": explanation}
    if value is not None:
        attributes["gen_ai.evaluation.score.value"] = value
    span.add_event("gen_ai.evaluation.result", attributes)


@pytest.fixture
def service(service_factory):
    """The test runs the jobs itself: without the scheduler role none of the service's own runs can race it."""
    return service_factory(roles=("collector", "api"))


@pytest.fixture
def scored(service):
    """Four priced calls: A (gpt-4o, answers) two evals, B (gpt-4o, answers) one, C (mini, drafts) one, D feedback."""
    provider = tracer_provider("http", service)
    tracer = provider.get_tracer("test")
    ids = {}
    for key, model, feature in (("A", "gpt-4o", "answers"), ("B", "gpt-4o", "answers"),
                                ("C", "gpt-4o-mini", "drafts"), ("D", "gpt-4o", "drafts")):
        with tracer.start_as_current_span(f"chat {key}", kind=SpanKind.CLIENT, attributes={
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 400,
                "spyglass.feature": feature}) as span:
            if key == "A":
                _eval(span, "relevance", 0.9)
                _eval(span, "tone", 0.2, "fail", "rude")
            elif key == "B":
                _eval(span, "relevance", 0.3)
            elif key == "C":
                _eval(span, "relevance", label="PASS")
            context = span.get_span_context()
            ids[key] = (format(context.trace_id, "032x"), format(context.span_id, "016x"))
    provider.shutdown()
    trace_d, span_d = ids["D"]
    response = httpx.post(f"{service.api}/api/v1/feedback", timeout=10, json=[
        {"trace_id": trace_d, "span_id": span_d, "name": "thumbs", "label": "thumbs_up", "user": "ann",
         "comment": "spot on"},
        {"trace_id": trace_d, "span_id": span_d, "name": "thumbs", "value": -1, "user": "bob"}])
    assert response.status_code == 200
    eventually(lambda: service.count("llm_calls") >= 4, what="four LLM calls stored")
    eventually(lambda: service.count("quality_scores") >= 6, what="four evaluations and two feedbacks stored")
    now = datetime.now(timezone.utc) + timedelta(seconds=2)
    run_cost_job(service.store, load_shipped(), now)
    assert run_score_join(service.store, now).joined == 6
    return ids


def _get(service, path: str, **params) -> dict:
    response = httpx.get(f"{service.api}/api/v1/quality/{path}", params={"since": "1h", **params}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_cost_per_passing_evaluation_and_positive_feedback_is_exact(service, scored):
    by_model = _get(service, "cost", by="model")
    assert by_model["evaluations"] == [
        {"series": "gpt-4o", "scores": 3, "good": 1, "calls": 2, "cost": money(2 * GPT_4O), "unpriced_calls": 0,
         "cost_per_good": money(2 * GPT_4O)},
        {"series": "gpt-4o-mini", "scores": 1, "good": 1, "calls": 1, "cost": money(GPT_4O_MINI), "unpriced_calls": 0,
         "cost_per_good": money(GPT_4O_MINI)}]
    assert by_model["feedback"] == [
        {"series": "gpt-4o", "scores": 2, "good": 1, "calls": 1, "cost": money(GPT_4O), "unpriced_calls": 0,
         "cost_per_good": money(GPT_4O)}]
    by_feature = _get(service, "cost", by="feature")["evaluations"]
    assert [(r["series"], Decimal(r["cost"]), r["good"]) for r in by_feature] == [
        ("answers", 2 * GPT_4O, 1), ("drafts", GPT_4O_MINI, 1)]


def test_summary_worst_feedback_and_timeseries(service, scored):
    summary = _get(service, "summary")
    assert summary["calls"] == 4
    rows = {(r["source"], r["name"]): r for r in summary["scores"]}
    relevance = rows[("eval", "relevance")]
    assert (relevance["count"], relevance["good"], relevance["joined"]) == (3, 2, 3)
    assert relevance["mean"] == pytest.approx(0.6) and relevance["pass_rate"] == pytest.approx(2 / 3)
    assert (rows[("eval", "tone")]["pass_rate"], rows[("feedback", "thumbs")]["pass_rate"]) == (0.0, 0.5)

    worst = _get(service, "worst", limit=2)["rows"]
    assert [(r["name"], r["value"], r["comment"], r["model"]) for r in worst] == [
        ("tone", 0.2, "rude", "gpt-4o"), ("relevance", 0.3, "", "gpt-4o")]
    assert (worst[0]["trace_id"], worst[0]["span_id"]) == scored["A"]

    stream = _get(service, "feedback")["rows"]
    assert sorted((r["evaluator"], r["positive"], r["label"]) for r in stream) == [
        ("ann", True, "thumbs_up"), ("bob", False, "")]

    series = _get(service, "timeseries", by="model")
    counts = {}
    for point in series["points"]:
        counts[(point["series"], point["name"])] = counts.get((point["series"], point["name"]), 0) + point["count"]
    assert counts == {("gpt-4o", "relevance"): 2, ("gpt-4o", "tone"): 1, ("gpt-4o-mini", "relevance"): 1}
    assert _get(service, "summary", model="gpt-4o-mini")["scores"][0]["count"] == 1


def test_bad_parameters_are_400(service):
    for path, params in (("timeseries", {"by": "provider"}), ("worst", {"source": "magic"}),
                         ("worst", {"limit": 0}), ("cost", {"since": "yesterday"})):
        response = httpx.get(f"{service.api}/api/v1/quality/{path}", params=params, timeout=10)
        assert response.status_code == 400 and response.json()["error"], (path, params)
