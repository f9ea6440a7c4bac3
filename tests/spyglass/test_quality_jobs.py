"""The service schedules the quality jobs: an errored call with an evaluation ends up as joined scores."""

from __future__ import annotations

import json

from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.helpers.otel_clients import tracer_provider
from tests.helpers.wait import eventually


def test_the_service_scores_and_joins_on_its_own(service_factory):
    running = service_factory(quality={"heuristics_interval_seconds": 0.2, "join_interval_seconds": 0.2})
    provider = tracer_provider("http", running, resource={"spyglass.feature": "search"})
    with provider.get_tracer("test").start_as_current_span("chat", kind=SpanKind.CLIENT, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "error.type": "timeout"}) as span:
        span.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "relevance",
                                                    "gen_ai.evaluation.score.value": 0.1})
        span.set_status(Status(StatusCode.ERROR))
    provider.shutdown()
    expected = [{"source": "eval", "name": "relevance", "comment": "", "feature": "search", "joined": True},
                {"source": "heuristic", "name": "error", "comment": "timeout", "feature": "search", "joined": True}]
    eventually(lambda: running.rows("SELECT source, name, comment, feature, joined FROM quality_scores FINAL "
                                    "ORDER BY source") == expected, what="the scores scored and joined")
    status = running.service.scheduler.status()
    for job in ("heuristics", "quality-join"):
        assert status[job]["runs"] > 0 and status[job]["last_error"] == "", status[job]
        json.dumps(status[job]["last_result"])  # readiness serves it as JSON
