"""The Releases page's pure shapes: the changes timeline and table, a real comparison's table in readable units, and
the score history of a change's verdicts."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np

from client.models.changes import Change, Changes, VerdictRun
from client.models.compare import MetricComparison
from dashboard.figures.releases import (
    FLEET_WIDE,
    NOT_ANALYSED,
    VERDICT_COLORS,
    change_rows,
    comparison_rows,
    headline,
    metric_value,
    timeline,
    verdict_history,
)
from dashboard.format import money_exact
from releases.compare import compare
from spyglass.api.compare import wire as comparison_wire
from tests.helpers.release_frames import calls_frame
from tests.helpers.wire import make

AT = "2026-11-20T10:00:00.000000000Z"


def _change(id: str, service: str = "chat-api", kind: str = "deploy", verdict: str | None = None,
            **fields) -> Change:
    judged = {"verdict": {"verdict": verdict, "score": 40.0, "worse": ["latency_p95"], "mode": "canary",
                          "run_at": AT, "window_start": AT, "window_end": AT}} if verdict else {}
    return make(Change, **{"id": id, "at": AT, "kind": kind, "service": service, "from_value": "1.4.0",
                           "to_value": "1.5.0", "source": "reported", "author": "ci", "recorded_at": AT,
                           **judged, **fields})


def _slower_candidate():
    """A real comparison: the candidate's slowest tenth twice as slow, 1 % costlier per token."""
    rng = np.random.default_rng(3)
    result = compare(calls_frame(rng, 400), calls_frame(rng, 400, tail=2.0, price="1.01"))
    return comparison_wire(replace(result, by="service_version", baseline="1.4.0", candidate="1.5.0"))


def test_timeline_has_a_row_per_service_shapes_by_kind_and_colours_by_latest_verdict():
    changes = [_change("a", verdict="fail"), _change("b", service="search", kind="prompt", subject="answer"),
               _change("c", service="", kind="price", verdict="pass")]
    fig = timeline(make(Changes, since=AT, until=AT, changes=[c.model_dump() for c in changes]).changes)
    by_id = {trace.customdata[0][0]: trace for trace in fig.data}
    assert by_id["a"].marker.color == VERDICT_COLORS["fail"] and by_id["a"].marker.symbol == "circle"
    assert by_id["b"].marker.color == VERDICT_COLORS[NOT_ANALYSED] and by_id["b"].marker.symbol == "diamond"
    assert by_id["c"].marker.color == VERDICT_COLORS["pass"] and by_id["c"].y == (FLEET_WIDE,)
    assert by_id["b"].customdata[0][1] == "answer: 1.4.0 → 1.5.0", "the hover names the prompt and both versions"
    assert list(fig.layout.yaxis.categoryarray) == sorted(["chat-api", "search", FLEET_WIDE], reverse=True)


def test_change_rows_say_what_moved_and_its_verdict_in_text():
    rows = change_rows([_change("a", verdict="marginal"), _change("b", from_value="", author="")])
    assert rows[0]["verdict"] == "marginal" and rows[0]["score"] == "40" and rows[0]["worse"] == "latency_p95"
    assert rows[1]["from → to"] == "(first) → 1.5.0"
    assert rows[1]["verdict"] == NOT_ANALYSED and rows[1]["score"] == "–" and rows[1]["author"] == "–"
    assert rows[0]["time (UTC)"] == "2026-11-20 10:00:00" and rows[0]["id"] == "a"


def test_comparison_rows_show_units_intervals_and_the_worse_tail():
    comparison = _slower_candidate()
    rows = {row["metric"]: row for row in comparison_rows(comparison)}
    p95 = rows["p95 latency (critical)"]
    assert p95["outcome"] == "worse" and p95["better"] == "lower is better"
    assert p95["difference"].startswith("+") and p95["difference"].endswith(("ms", "s"))
    assert p95["95% interval"].startswith("[+"), "the whole interval lies above zero for a doubled tail"
    metric = next(m for m in comparison.metrics if m.name == "cost_per_request")
    assert rows[metric.label + (" (critical)" if metric.critical else "")]["baseline"] == money_exact(metric.baseline)
    assert "fail" in headline(comparison) and "400 vs 400 calls" in headline(comparison)


def test_metric_values_read_in_their_unit():
    share = make(MetricComparison, unit="share")
    assert metric_value(share, Decimal("0.025")) == "2.50%" and metric_value(share, Decimal("0.005"), True) == "+0.50 pp"
    usd = make(MetricComparison, unit="USD")
    assert metric_value(usd, Decimal("-0.000012345"), True) == "-$0.000012345", "money is exact, never rounded"
    assert metric_value(make(MetricComparison, unit="ms"), Decimal("1240")) == "1.24 s"
    assert metric_value(usd, None) == "–"


def test_money_exact_keeps_every_digit_and_at_least_cents():
    assert money_exact("0.000123456789") == "$0.000123456789"
    assert money_exact(Decimal("1234.5")) == "$1,234.50" and money_exact("0") == "$0.00"


def test_verdict_history_orders_runs_and_colours_each_by_its_verdict():
    comparison = _slower_candidate().model_dump()
    runs = [make(VerdictRun, verdict=v, score=s, mode="canary", run_at=t, window_start=t, window_end=t,
                 comparison=comparison)
            for v, s, t in (("fail", 50.0, "2026-11-20T11:00:00Z"), ("pass", 100.0, "2026-11-20T10:00:00Z"))]
    trace = verdict_history(runs).data[0]
    assert list(trace.y) == [100.0, 50.0], "oldest first"
    assert list(trace.marker.color) == [VERDICT_COLORS["pass"], VERDICT_COLORS["fail"]]
