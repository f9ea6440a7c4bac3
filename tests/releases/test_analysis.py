"""compare_versions over a real store: which calls each side reads (by, windows, filters), the spend rule (token
price, GPU allocation, unpriced), the score counts, and requests that cannot be compared."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from releases.analysis import CompareRequest, compare_versions
from store.errors import BadInput
from store.params import time_param
from tests.helpers.detector_rows import insert_scores
from tests.helpers.version_rows import insert_calls, insert_cost

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def insert_gpu_cost(store, span_id: str, at: datetime, cost: str) -> None:
    """The call's share of its GPU host, in the latest (only) GPU cost run of its hour."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    params = {"at": time_param(at), "hour": time_param(hour, 0), "span": span_id, "cost": cost,
              "run": time_param(datetime.now(timezone.utc), 3)}
    store.command("""
INSERT INTO request_gpu_costs (hour, timestamp, trace_id, span_id, project, service_name, gpu_host, priced, gpu_cost,
    computed_at)
VALUES ({hour:DateTime('UTC')}, {at:DateTime64(9, 'UTC')}, 't', {span:String}, 'p', 'chat-api', 'gpu-1', true,
    {cost:Decimal(38, 12)}, {run:DateTime64(3, 'UTC')})""", params)
    store.command("INSERT INTO gpu_cost_runs (hour, computed_at) VALUES ({hour:DateTime('UTC')}, "
                  "{run:DateTime64(3, 'UTC')})", params)


def request(**kw) -> CompareRequest:
    return CompareRequest(**{"by": "service_version", "baseline": "1.0", "candidate": "1.1",
                             "since": NOW - timedelta(hours=1), "until": NOW, **kw})


def two_versions(store, n: int = 120) -> None:
    """`n` calls of each version in the last hour; the candidate's are 40 ms slower and cost 0.0012 (0.001)."""
    rows = []
    for i in range(n):
        at = NOW - timedelta(minutes=50) + timedelta(seconds=i)
        rows.append({"span_id": f"a{i}", "service_version": "1.0", "timestamp": at,
                     "duration_ns": (400 + i) * 1_000_000})
        rows.append({"span_id": f"b{i}", "service_version": "1.1", "timestamp": at,
                     "duration_ns": (440 + i) * 1_000_000})
        insert_cost(store, f"a{i}", at, "0.001")
        insert_cost(store, f"b{i}", at, "0.0012")
    insert_calls(store, rows)


def test_each_side_reads_its_versions_calls_with_their_exact_cost(store):
    two_versions(store)
    result = compare_versions(store, request())
    assert (result.baseline_calls, result.candidate_calls) == (120, 120)
    cost = result.metric("cost_per_request")
    assert (cost.baseline, cost.candidate) == (Decimal("0.001"), Decimal("0.0012"))
    p50 = result.metric("latency_p50")
    assert (p50.baseline, p50.candidate) == (pytest.approx(459.5), pytest.approx(499.5))
    assert (result.by, result.baseline, result.candidate) == ("service_version", "1.0", "1.1")
    assert result.baseline_since == result.candidate_since


def test_a_gpu_served_call_costs_its_gpu_share_and_an_unpriced_call_nothing(store):
    at = NOW - timedelta(minutes=30)
    insert_calls(store, [{"span_id": s, "service_version": v, "timestamp": at}
                         for s, v in (("g", "1.0"), ("t", "1.0"), ("u", "1.0"), ("x", "1.1"))])
    insert_cost(store, "g", at, "0.5")  # a token price the GPU-served call also has: not counted (the rule)
    insert_gpu_cost(store, "g", at, "0.07")
    insert_cost(store, "t", at, "0.03")
    insert_cost(store, "u", at, None)
    cost = compare_versions(store, request()).metric("cost_per_request")
    assert (cost.baseline_n, cost.baseline) == (2, Decimal("0.05"))  # (0.07 + 0.03) / 2 priced calls


def test_scores_count_per_call_by_the_quality_rules(store):
    at = NOW - timedelta(minutes=20)
    insert_calls(store, [{"span_id": "a", "service_version": "1.0", "timestamp": at},
                         {"span_id": "b", "service_version": "1.1", "timestamp": at}])
    insert_scores(store, [
        {"timestamp": at, "score_id": "1", "span_id": "a", "label": "pass"},
        {"timestamp": at, "score_id": "2", "span_id": "a", "value": 0.2},
        {"timestamp": at, "score_id": "3", "span_id": "b", "value": 0.9},
        {"timestamp": at, "score_id": "4", "span_id": "a", "source": "feedback", "label": "thumbs_up"},
        {"timestamp": at, "score_id": "5", "span_id": "", "label": "fail"},  # about the whole trace: left out
    ])
    result = compare_versions(store, request())
    passing = result.metric("quality_pass_rate")
    assert (passing.baseline_n, passing.baseline, passing.candidate_n, passing.candidate) == (2, 0.5, 1, 1.0)
    feedback = result.metric("feedback_positive_rate")
    assert (feedback.baseline_n, feedback.baseline, feedback.candidate_n) == (1, 1.0, 0)


def test_a_baseline_window_of_its_own_reads_the_previous_week(store):
    week = timedelta(days=7)
    insert_calls(store, [
        {"span_id": "old", "service_version": "1.0", "timestamp": NOW - week - timedelta(minutes=30)},
        {"span_id": "now-old", "service_version": "1.0", "timestamp": NOW - timedelta(minutes=30)},
        {"span_id": "new", "service_version": "1.1", "timestamp": NOW - timedelta(minutes=30)},
        {"span_id": "new-early", "service_version": "1.1", "timestamp": NOW - week - timedelta(minutes=30)}])
    result = compare_versions(store, request(baseline_since=NOW - week - timedelta(hours=1)))
    assert (result.baseline_calls, result.candidate_calls) == (1, 1)
    assert result.baseline_until.startswith(time_param(NOW - week, 0).replace(" ", "T"))


def test_one_model_in_two_windows_compares_before_and_after(store):
    insert_calls(store, [{"span_id": f"s{i}", "service_version": "", "timestamp": NOW - timedelta(hours=h)}
                         for i, h in enumerate((3, 3, 3, 0.5))])
    result = compare_versions(store, request(by="model", baseline="gpt-4o", candidate="gpt-4o",
                                             baseline_since=NOW - timedelta(hours=4),
                                             baseline_until=NOW - timedelta(hours=2)))
    assert (result.baseline_calls, result.candidate_calls) == (3, 1)


def test_filters_narrow_both_sides(store):
    at = NOW - timedelta(minutes=10)
    insert_calls(store, [{"span_id": "a", "service_version": "1.0", "timestamp": at},
                         {"span_id": "b", "service_version": "1.1", "timestamp": at, "prompt_name": "answer"},
                         {"span_id": "c", "service_version": "1.1", "timestamp": at, "service_name": "other"}])
    assert compare_versions(store, request()).candidate_calls == 2
    assert compare_versions(store, request(services=("chat-api",))).candidate_calls == 1
    assert compare_versions(store, request(prompt_names=("answer",))).baseline_calls == 0


def test_too_few_calls_is_insufficient_data(store):
    two_versions(store, n=20)
    assert compare_versions(store, request()).verdict == "insufficient_data"


@pytest.mark.parametrize(("kw", "message"), [
    ({"by": "colour"}, "by: 'colour' is not one of"),
    ({"candidate": ""}, "both needed"),
    ({"baseline": "1.1"}, "overlapping windows"),
    ({"baseline_since": NOW, "baseline_until": NOW - timedelta(hours=1)}, "baseline window is empty"),
])
def test_requests_that_cannot_be_compared_are_bad_input(store, kw, message):
    with pytest.raises(BadInput, match=message):
        compare_versions(store, request(**kw))
