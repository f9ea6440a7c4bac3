"""The canary job on a real store: a canary judged side by side and its `fail` raising the rollback signal, a full
switch judged against the same hours a week earlier, and the changes it leaves alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np

from detectors import change_regression
from detectors.base import run_rules
from releases.canary_job import CanaryConfig, run_canary_job
from store.base import query_rows
from tests.helpers.change_rows import insert_change
from tests.helpers.version_rows import insert_calls, insert_cost

NOW = datetime.now(timezone.utc).replace(microsecond=0)
WEEK = timedelta(days=7)


def version_calls(store, version: str, start: datetime, n: int, slow: float = 1.0, cost: str = "0.001",
                  seed: int = 0) -> None:
    """`n` calls of `version` over 50 minutes from `start`: lognormal latencies (x `slow` in the tail) and a cost."""
    rng = np.random.default_rng(seed)
    latencies = rng.lognormal(np.log(500), 0.3, n)
    tail = latencies > np.quantile(latencies, 0.8)
    latencies[tail] *= slow
    rows = []
    for i, ms in enumerate(latencies):
        at = start + timedelta(seconds=i * 3000 / n)
        span = f"{version}-{start:%d%H%M}-{i}"
        rows.append({"span_id": span, "service_version": version, "timestamp": at, "duration_ns": int(ms * 1e6)})
        insert_cost(store, span, at, cost)
    insert_calls(store, rows)


def verdicts(store) -> list[dict]:
    return query_rows(store, "SELECT change_id, mode, verdict, worse, window_start, window_end, report "
                             "FROM change_verdicts ORDER BY change_id, run_at")


def test_a_bad_canary_fails_and_raises_the_rollback_signal(store):
    start = NOW - timedelta(minutes=55)
    insert_change(store, "deploy-1.1", start, service="chat-api", from_value="1.0", to_value="1.1",
                  dimension="service_version")
    version_calls(store, "1.0", start, 300, seed=1)
    version_calls(store, "1.1", start, 300, slow=1.8, cost="0.0013", seed=2)

    assert run_canary_job(store, NOW) == 1
    [row] = verdicts(store)
    assert (row["change_id"], row["mode"], row["verdict"]) == ("deploy-1.1", "canary", "fail")
    assert set(row["worse"]) == {"latency_p95", "cost_per_request"}
    assert row["window_start"] == start and row["window_end"] == NOW
    report = json.loads(row["report"])
    assert (report["by"], report["baseline"], report["candidate"]) == ("service_version", "1.0", "1.1")

    [signals] = run_rules(change_regression.DETECTOR, store, [change_regression.DETECTOR.params({})],
                         NOW + timedelta(minutes=1))
    [signal] = signals
    assert signal.labels["change"] == "deploy-1.1" and signal.labels["version"] == "1.1"
    assert {m["name"] for m in signal.evidence["worse"]} == {"latency_p95", "cost_per_request"}


def test_a_full_switch_is_judged_against_the_same_hours_a_week_before(store):
    start = NOW - timedelta(minutes=55)
    insert_change(store, "deploy-2.0", start, service="chat-api", from_value="1.9", to_value="2.0",
                  dimension="service_version")
    version_calls(store, "1.9", start - WEEK, 300, seed=3)   # the previous version, a week ago
    version_calls(store, "2.0", start, 300, seed=4)          # the new one alone now, the same distribution

    run_canary_job(store, NOW)
    [row] = verdicts(store)
    assert (row["mode"], row["verdict"], row["worse"]) == ("before_after", "pass", [])
    report = json.loads(row["report"])
    assert report["baseline_since"] == (start - WEEK).isoformat().replace("+00:00", "Z")
    assert (report["baseline_calls"], report["candidate_calls"]) == (300, 300)


def test_changes_with_nothing_to_compare_are_left_alone(store):
    at = NOW - timedelta(minutes=30)
    insert_change(store, "first", at, service="new-svc", from_value="", to_value="1.0", dimension="service_version")
    insert_change(store, "price", at, kind="price", from_value="a", to_value="b")
    insert_change(store, "old", NOW - timedelta(days=2), service="chat-api", from_value="0.9", to_value="1.0",
                  dimension="service_version")
    assert run_canary_job(store, NOW, CanaryConfig(horizon=timedelta(hours=24))) == 0
    assert verdicts(store) == []


def test_too_little_traffic_is_a_verdict_of_its_own_and_stopping_ends_the_run(store):
    start = NOW - timedelta(minutes=20)
    for i in range(3):
        insert_change(store, f"c{i}", start, service=f"svc{i}", from_value="1", to_value="2",
                      dimension="service_version")
    assert run_canary_job(store, NOW, should_stop=lambda: True) == 1
    assert [(r["change_id"], r["verdict"]) for r in verdicts(store)] == [("c0", "insufficient_data")]
