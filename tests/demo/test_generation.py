"""The demo fleet's generation: repeatable by seed, and the fleet the README promises (pure, no service)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from demo import fleet, gpus, quality
from demo.spans import shifted
from demo.traffic import diurnal, traffic

ANCHOR = datetime(2026, 12, 9, 12, 0, tzinfo=timezone.utc)  # a Wednesday
DAY = timedelta(days=1)


def _calls(plans):
    return [(p, s) for p in plans for s in p.spans if "gen_ai.request.model" in s.attributes]


def test_a_seed_replays_the_same_traffic_and_another_seed_does_not():
    window = (ANCHOR - timedelta(hours=2), ANCHOR)
    first, again = traffic(3, ANCHOR, *window), traffic(3, ANCHOR, *window)
    other = traffic(4, ANCHOR, *window)
    assert first == again and len(first) > 100
    assert [p.trace_id for p in other] != [p.trace_id for p in first]


def test_any_cut_of_a_window_holds_the_same_requests():
    """Live play cuts time into ticks; the requests must not depend on where the cuts fall."""
    start, end = ANCHOR - timedelta(minutes=30), ANCHOR
    whole = traffic(5, ANCHOR, start, end)
    cuts = [start + timedelta(seconds=s) for s in (0, 7, 61, 600, 1234, 1800)]
    pieces = [p for a, b in zip(cuts, cuts[1:], strict=False) for p in traffic(5, ANCHOR, a, b)]
    assert pieces == whole


def test_every_service_and_provider_of_the_fleet_is_there_with_their_span_trees():
    plans = traffic(1, ANCHOR, ANCHOR - timedelta(hours=3), ANCHOR)
    assert {p.service for p in plans} == {s.name for s in fleet.SERVICES}
    providers = Counter((p.service, s.attributes["gen_ai.provider.name"]) for p, s in _calls(plans))
    assert set(providers) == {("chat-assistant", "openai"), ("rag-search", "openai"), ("rag-search", "vllm"),
                              ("rag-search", "gcp.gemini"), ("support-agent", "anthropic"),
                              ("code-review-bot", "vllm")}
    rag = next(p for p in plans if p.service == "rag-search" and all(s.error is None for s in p.spans))
    assert [s.attributes.get("gen_ai.operation.name") for s in rag.spans] == [
        None, "embeddings", "retrieval", "rerank", "chat"]
    refunds = [p for p in plans if p.service == "support-agent" and p.feature == "refunds"
               and all(s.error is None for s in p.spans)]
    assert refunds
    for plan in refunds:
        by_id = {s.span_id: s for s in plan.spans}
        nested = next(s for s in plan.spans if s.name == "invoke_agent refund-agent")
        assert by_id[nested.parent_id].name == "invoke_agent support-agent"
        tools = [s for s in plan.spans if s.attributes.get("gen_ai.operation.name") == "execute_tool"]
        assert any(by_id[t.parent_id] is nested and t.attributes["gen_ai.tool.name"] == "issue_refund" for t in tools)
        for span in plan.spans[1:]:  # children inside their parents
            parent = by_id[span.parent_id]
            assert parent.start_ns <= span.start_ns and span.end_ns <= parent.end_ns


def test_model_calls_have_realistic_usage_cache_hits_errors_and_self_hosted_calls_name_their_host():
    plans = traffic(2, ANCHOR, ANCHOR - timedelta(hours=6), ANCHOR)
    calls = _calls(plans)
    ok = [s for _, s in calls if s.error is None]
    failed = [s for _, s in calls if s.error is not None]
    assert 0.002 < len(failed) / len(calls) < 0.03
    assert all(s.attributes["error.type"] and "gen_ai.usage.input_tokens" not in s.attributes for s in failed)
    inputs = sorted(s.attributes["gen_ai.usage.input_tokens"] for s in ok)
    assert 300 < inputs[len(inputs) // 2] < 5000 and inputs[-1] > 3 * inputs[len(inputs) // 2]
    cached = [s for s in ok if "gen_ai.usage.cache_read.input_tokens" in s.attributes]
    assert 0.1 < len(cached) / len(ok) < 0.6
    assert all(0 < s.attributes["gen_ai.usage.cache_read.input_tokens"] < s.attributes["gen_ai.usage.input_tokens"]
               for s in cached)
    hosts = Counter(s.attributes["server.address"] for _, s in calls if s.attributes["gen_ai.provider.name"] == "vllm")
    assert set(hosts) == set(fleet.AGENT_HOSTS)  # in the past only the agent-reporting replicas serve
    streamed = [s for s in ok if "gen_ai.server.time_to_first_token" in s.attributes]
    assert all(s.attributes["gen_ai.server.time_to_first_token"] * 1e9 < s.end_ns - s.start_ns for s in streamed)


def test_traffic_follows_the_day_and_the_week():
    assert diurnal(ANCHOR.replace(hour=15)) == 1.0
    assert diurnal(ANCHOR.replace(hour=3)) < 0.2 < diurnal(ANCHOR.replace(hour=9))
    assert diurnal(datetime(2026, 12, 12, 15, tzinfo=timezone.utc)) < 0.6  # a Saturday
    hours = Counter(datetime.fromtimestamp(p.start_ns / 1e9, timezone.utc).hour
                    for p in traffic(1, ANCHOR, ANCHOR - DAY, ANCHOR))
    assert hours[15] > 4 * hours[3]


def test_versions_change_over_a_week_and_the_canary_serves_a_share_after_its_start():
    plans = traffic(1, ANCHOR, ANCHOR - 7 * DAY, ANCHOR, scale=0.2)
    versions = {s.name: {p.resource["service.version"] for p in plans if p.service == s.name}
                for s in fleet.SERVICES}
    assert all(len(v) >= 2 for v in versions.values()), versions
    support = [(p.start_ns, s.attributes["spyglass.prompt.version"]) for p, s in _calls(plans)
               if p.service == fleet.CANARY_SERVICE]
    canary_start = (ANCHOR - fleet.CANARY_LEAD).timestamp() * 1e9
    before = {v for t, v in support if t < canary_start}
    after = Counter(v for t, v in support if t >= canary_start)
    assert before == {fleet.CANARY_STABLE}
    assert after[fleet.CANARY_NEW] > 0 and after[fleet.CANARY_STABLE] > after[fleet.CANARY_NEW]


def test_feedback_names_answer_calls_of_rated_services_and_evaluations_ride_on_spans():
    plans = traffic(1, ANCHOR, ANCHOR - timedelta(hours=4), ANCHOR)
    items = quality.feedback(plans)
    spans = {(p.trace_id, s.span_id): (p, s) for p, s in _calls(plans)}
    assert items and quality.feedback(plans) == items
    assert all((i.trace_id, i.span_id) in spans and spans[(i.trace_id, i.span_id)][0].service
               in quality.RATED_SERVICES for i in items)
    assert {i.label for i in items} == {"thumbs_up", "thumbs_down"}
    evaluated = Counter(e.attributes["gen_ai.evaluation.name"] for _, s in _calls(plans) for e in s.events)
    assert set(evaluated) == {"faithfulness", "resolution"}


def test_gpu_load_follows_the_host_traffic():
    def level(hour: int) -> float:
        start = ANCHOR.replace(hour=hour)
        return gpus.utilisation(gpus.host_busy_seconds(traffic(1, ANCHOR, start, start + timedelta(hours=1))), 3600)

    assert 0.3 < level(15) < 0.9 and level(15) > 2 * level(3) > 0
    busy, idle = gpus.readings(1, 0, 600.0, 60.0, [5, 6]), gpus.readings(1, 0, 0.0, 60.0, [5, 6])
    assert [g["energy_mj"] for g in busy] == [5, 6]
    assert all(b["utilization"]["gpu"] > 80 > 5 > i["utilization"]["gpu"] for b, i in zip(busy, idle, strict=True))
    assert all(b["power_mw"] > 3 * i["power_mw"] for b, i in zip(busy, idle, strict=True))


def test_a_shifted_trace_keeps_its_shape():
    plan = traffic(1, ANCHOR, ANCHOR - timedelta(minutes=10), ANCHOR)[0]
    moved = shifted(plan, plan.start_ns + 5_000_000_000)
    assert [s.end_ns - s.start_ns for s in moved.spans] == [s.end_ns - s.start_ns for s in plan.spans]
    assert moved.start_ns == plan.start_ns + 5_000_000_000 and moved.trace_id == plan.trace_id
