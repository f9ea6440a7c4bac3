"""The demo's backfill against a real service: what the pure generator planned is what the store holds.

The fleet sends as applications do (OTel SDK spans over OTLP/HTTP, the gpu-agent's metrics, feedback over
the REST API); the expectations are computed from the same seed's plan, not written down.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from demo import fleet, quality
from demo.traffic import traffic
from spyglass.cli.demo import open_fleet
from tests.helpers.wait import eventually

SEED, SCALE = 11, 1.0


def test_a_backfill_lands_calls_agents_feedback_gpu_samples_and_versions(service):
    anchor = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    start = anchor - fleet.CANARY_LEAD - timedelta(minutes=30)
    demo = open_fleet(service.otlp_http, service.api, SEED, anchor, scale=SCALE)
    try:
        demo.runner.backfill(start, anchor)
    finally:
        demo.close()
    plans = traffic(SEED, anchor, start, anchor, SCALE)
    # Enough to check the shape at any hour: the quietest 3.5 h (around 03:00 UTC, a weekend) still plan ~100.
    assert demo.runner.played.traces == len(plans) > 50

    calls = [(p, s) for p in plans for s in p.spans if "gen_ai.request.model" in s.attributes]
    expected = Counter((p.service, s.attributes["gen_ai.provider.name"]) for p, s in calls)
    stored = {(r["service_name"], r["provider"]): r["n"] for r in service.rows(
        "SELECT service_name, provider, count() AS n FROM llm_calls FINAL GROUP BY service_name, provider")}
    assert stored == dict(expected)

    versions = {(p.service, p.resource["service.version"], s.attributes["spyglass.prompt.version"])
                for p, s in calls}
    assert {tuple(r.values()) for r in service.rows(
        "SELECT DISTINCT service_name, service_version, prompt_version FROM llm_calls FINAL")} == versions
    assert {fleet.CANARY_STABLE, fleet.CANARY_NEW} <= {v for s, _, v in versions if s == fleet.CANARY_SERVICE}

    agentic = Counter(s.attributes["gen_ai.operation.name"] for p in plans for s in p.spans
                      if s.attributes.get("gen_ai.operation.name") in ("invoke_agent", "execute_tool"))
    assert {r["op"]: r["n"] for r in service.rows(
        "SELECT SpanAttributes['gen_ai.operation.name'] AS op, count() AS n FROM otel_traces "
        "WHERE op IN ('invoke_agent', 'execute_tool') GROUP BY op")} == dict(agentic)
    nested = service.rows(
        "SELECT count() AS n FROM otel_traces AS child INNER JOIN otel_traces AS parent "
        "ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId "
        "WHERE child.SpanName = 'invoke_agent refund-agent' AND parent.SpanName = 'invoke_agent support-agent'")
    assert nested[0]["n"] == sum(s.name == "invoke_agent refund-agent" for p in plans for s in p.spans) > 0

    feedback = quality.feedback(plans)
    assert demo.runner.played.feedback == len(feedback) > 0
    assert service.rows("SELECT count() AS n FROM quality_scores FINAL WHERE source = 'feedback'")[0]["n"] == \
        len(feedback)
    evaluations = sum(len(s.events) for _, s in calls)
    eventually(lambda: service.rows("SELECT count() AS n FROM quality_scores FINAL WHERE source = 'eval'")[0]["n"]
               == evaluations, what="the evaluation events scored")

    samples = service.rows("SELECT host_name, source, count() AS n, count(DISTINCT gpu_uuid) AS gpus, "
                           "min(timestamp) AS first, max(timestamp) AS last, max(utilization) AS top, "
                           "min(utilization) AS low FROM gpu_samples GROUP BY host_name, source ORDER BY host_name")
    assert [(g["host_name"], g["source"], g["gpus"]) for g in samples] == [
        (host, "agent", fleet.GPU_COUNT) for host in fleet.AGENT_HOSTS]
    for gpu, node in zip(samples, demo.gpu_nodes, strict=True):
        assert gpu["n"] == node.rounds * fleet.GPU_COUNT and node.rounds >= 200
        assert gpu["first"].replace(tzinfo=timezone.utc) > start
        assert gpu["last"].replace(tzinfo=timezone.utc) <= anchor
        assert gpu["top"] > gpu["low"] > 0
