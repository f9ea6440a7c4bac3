"""change_regression: the newest verdict on a change decides; only `fail` fires, naming the change and the
metrics that got worse; old verdicts expire; the real store's rows read back as the detector needs them."""

from __future__ import annotations

import json
from datetime import timedelta

from detectors import change_regression
from detectors.base import run_rules
from tests.helpers.change_rows import insert_change, insert_verdict
from tests.helpers.synthetic_releases import at, verdict_frame

D = change_regression.DETECTOR
FRAME = verdict_frame()


def test_a_failing_verdict_fires_with_the_change_and_the_worse_metrics():
    [signal] = D.detect(FRAME, D.params({}), at(11))
    assert signal.labels == {"project": "p", "service": "chat-api", "change": "deploy-1.5.0", "kind": "deploy",
                             "version": "1.5.0"}
    assert signal.value == 1.0 and signal.threshold == 0.0
    assert signal.evidence["change"]["from"] == "previous" and signal.evidence["change"]["to"] == "1.5.0"
    assert signal.evidence["worse"] == [{"name": "latency_p95", "baseline": 800.0, "candidate": 1040.0,
                                         "outcome": "worse"}]


def test_the_newest_run_decides_marginal_and_undecided_never_fire():
    assert D.detect(FRAME, D.params({}), at(13.5)) == []   # the release passed its later runs
    assert D.detect(FRAME, D.params({}), at(22)) == []     # marginal: a doubt, not a rollback signal
    assert D.detect(FRAME, D.params({}), at(7)) == []      # insufficient data


def test_old_verdicts_expire_and_filters_apply():
    late = FRAME.filter(FRAME["time"] <= at(11))
    assert D.detect(late, D.params({}), at(11.4)) != []
    assert D.detect(late, D.params({}), at(12)) == []      # no run in the last 30 minutes
    assert D.detect(FRAME, D.params({"where": {"service": ["rag-api"]}}), at(11)) == []
    assert D.detect(FRAME, D.params({"where": {"kind": ["deploy"]}}), at(11)) != []


def test_verdicts_from_the_store(shared_store):
    now = at(24 * 40)
    insert_change(shared_store, "c-bad", now - timedelta(hours=2), service="cr-svc", to_value="1.5.0")
    insert_change(shared_store, "c-ok", now - timedelta(hours=2), service="cr-svc", to_value="1.6.0")
    report = json.dumps({"metrics": [{"name": "cost_per_request", "baseline": "0.01", "candidate": "0.012"}]})
    insert_verdict(shared_store, "c-bad", now - timedelta(minutes=20), "pass")
    insert_verdict(shared_store, "c-bad", now - timedelta(minutes=5), "fail", worse=["cost_per_request"], report=report)
    insert_verdict(shared_store, "c-ok", now - timedelta(minutes=20), "fail", worse=["latency_p95"])
    insert_verdict(shared_store, "c-ok", now - timedelta(minutes=5), "pass")
    [signals] = run_rules(D, shared_store, [D.params({"where": {"service": ["cr-svc"]}})], now)
    assert [s.labels["change"] for s in signals] == ["c-bad"]
    assert signals[0].evidence["worse"][0]["candidate"] == "0.012"
    assert signals[0].evidence["change"]["at"] == (now - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
