"""Re-pricing a period and the hourly rollup: totals move only where prices changed, history stays."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pipelines.costs.job import run_cost_job
from pipelines.costs.reprice import reprice
from pipelines.costs.rollup_job import run_rollup_job
from store import query_rows
from store.errors import BadInput
from tests.helpers import catalogs as helpers
from tests.helpers.calls import insert_call
from tests.helpers.catalogs import utc

T0 = utc(2026, 11, 20, 12, 0, 0)
A = {"id": "a", "provider": "openai", "models": ["model-a"], "input": "1", "output": "2"}
B = {"id": "b", "provider": "openai", "models": ["model-b"], "input": "3", "output": "4"}
PLAIN = (1000, 500, 0, 0, 0)


def totals_by_model(store) -> dict[str, Decimal]:
    rows = query_rows(store, "SELECT model, sum(cost_total) AS c FROM request_costs FINAL GROUP BY model")
    return {r["model"]: r["c"] for r in rows}


def hourly(store) -> dict[str, dict]:
    rows = query_rows(store, "SELECT model, calls, successful_calls, cost_total, input_tokens "
                             "FROM cost_hourly FINAL ORDER BY model")
    return {r["model"]: r for r in rows}


@pytest.fixture
def priced(store):
    insert_call(store, "a1", T0, model="model-a", tokens=PLAIN)
    insert_call(store, "b1", T0, model="model-b", tokens=PLAIN)
    run_cost_job(store, helpers.catalog(A, B), T0 + timedelta(seconds=5))
    run_rollup_job(store, datetime.now(timezone.utc), safety_delay=timedelta(0))
    return store


def test_the_rollup_matches_the_cost_rows(priced):
    # a: 1000 x 1 + 500 x 2 = 2000 per million; b: 1000 x 3 + 500 x 4 = 5000 per million.
    assert totals_by_model(priced) == {"model-a": Decimal("0.002"), "model-b": Decimal("0.005")}
    rollup = hourly(priced)
    assert rollup["model-a"]["cost_total"] == Decimal("0.002") and rollup["model-a"]["calls"] == 1
    assert rollup["model-b"]["input_tokens"] == 1000 and rollup["model-b"]["successful_calls"] == 1


def test_reprice_changes_only_what_changed_and_keeps_the_old_costs(priced):
    corrected = helpers.catalog({**A, "input": "1.5"}, B)
    result = reprice(priced, corrected, T0 - timedelta(hours=1), T0 + timedelta(hours=1), datetime.now(timezone.utc))
    assert result.repriced == 2 and result.changed == 1
    assert result.total_before == Decimal("0.007") and result.total_after == Decimal("0.0075")
    assert totals_by_model(priced) == {"model-a": Decimal("0.0025"), "model-b": Decimal("0.005")}
    assert hourly(priced)["model-a"]["cost_total"] == Decimal("0.0025")
    assert hourly(priced)["model-a"]["calls"] == 1, "the rollup replaces, it does not add"
    history = query_rows(priced, "SELECT cost_total FROM request_cost_history ORDER BY model")
    assert [h["cost_total"] for h in history] == [Decimal("0.002"), Decimal("0.005")], "both superseded rows"
    trail = query_rows(priced, "SELECT cost_total FROM request_cost_versions WHERE model = 'model-a' "
                               "ORDER BY priced_at")
    assert [h["cost_total"] for h in trail] == [Decimal("0.002"), Decimal("0.0025")]
    again = reprice(priced, corrected, T0 - timedelta(hours=1), T0 + timedelta(hours=1), datetime.now(timezone.utc))
    assert again.repriced == 0 and again.total_after == result.total_after


def test_reprice_leaves_calls_outside_the_period(priced):
    insert_call(priced, "early", T0 + timedelta(seconds=20), model="model-a", tokens=PLAIN,
                at=T0 - timedelta(days=2))
    run_cost_job(priced, helpers.catalog(A, B), T0 + timedelta(seconds=30))
    now = datetime.now(timezone.utc)  # versions (priced_at, computed_at) follow the real clock
    result = reprice(priced, helpers.catalog({**A, "input": "9"}, B), T0 - timedelta(hours=1), now, now)
    assert result.repriced == 2
    old = query_rows(priced, "SELECT cost_total FROM request_costs FINAL WHERE span_id = 'early'")
    assert old == [{"cost_total": Decimal("0.002")}]


def test_an_empty_or_reversed_period_is_refused(priced):
    with pytest.raises(BadInput, match="after"):
        reprice(priced, helpers.catalog(A, B), T0, T0, datetime.now(timezone.utc))
