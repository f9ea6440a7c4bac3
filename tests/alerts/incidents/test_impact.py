"""An incident's impact on a real store, checked against numbers worked out by hand from the rows inserted:
requests, errors, p95 latency, extra cost (exact), quality and feedback change, error budget burned."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from alerts.incidents.desk import IncidentDesk, ManualOpening
from alerts.rules import check_text
from detectors.registry import DETECTORS
from tests.helpers.calls import insert_call
from tests.helpers.incident_rows import insert_costs, insert_scores

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
H, WEEK = timedelta(hours=1), timedelta(days=7)
SLO_RULES = """rules:
  - name: slo-burn
    detector: error_burn_rate
    params: {objective: 0.99, period: 30d, where: {service: [chat]}, windows: [{long: 1h, short: 5m, burn_rate: 14.4}]}
    severity: critical
"""


def populate(store) -> None:
    """chat: 20 calls in [T, T+1h) (16 ok at 100 ms, 4 failed at 1000 ms) and 10 ok at 100 ms a week earlier;
    search: 5 calls in the window that are not the incident's. Spend: 20 x $0.015 and one unpriced call in the
    window, 10 x $0.01 a week earlier, $5 of search. Evaluations 4/10 pass now, 9/10 before; feedback 1/4
    positive now, 2/2 before."""
    for i in range(20):
        failed = i >= 16
        insert_call(store, f"w{i}", T, at=T + i * timedelta(minutes=2), service="chat",
                    status="error" if failed else "ok", duration_ms=1000 if failed else 100)
    for i in range(10):
        insert_call(store, f"b{i}", T, at=T - WEEK + i * timedelta(minutes=5), service="chat", status="ok",
                    duration_ms=100)
    for i in range(5):
        insert_call(store, f"s{i}", T, at=T + i * timedelta(minutes=5), service="search", status="error",
                    duration_ms=5000)
    insert_costs(store, "chat", T + 10 * timedelta(minutes=1), [Decimal("0.015")] * 20 + [None], "cw")
    insert_costs(store, "chat", T - WEEK + timedelta(minutes=10), [Decimal("0.01")] * 10, "cb")
    insert_costs(store, "search", T + timedelta(minutes=10), [Decimal("5")], "cs")
    insert_scores(store, "chat", T + timedelta(minutes=20), "eval", [True] * 4 + [False] * 6, "ew")
    insert_scores(store, "chat", T - WEEK + timedelta(minutes=20), "eval", [True] * 9 + [False], "eb")
    insert_scores(store, "chat", T + timedelta(minutes=30), "feedback", [True, False, False, False], "fw")
    insert_scores(store, "chat", T - WEEK + timedelta(minutes=30), "feedback", [True, True], "fb")


@pytest.fixture
def desk(store):
    rules, problems = check_text(SLO_RULES, "slo.yaml", DETECTORS)
    assert problems == []
    clock = {"now": T + H}
    populate(store)
    return IncidentDesk(store, rules=lambda: rules, clock=lambda: clock["now"]), clock


def test_the_impact_at_resolution_is_the_hand_computed_one(desk):
    desk, clock = desk
    opened = desk.open_by_hand(ManualOpening("chat answers fail", "SEV2", "ana", service="chat", started_at=T))
    resolved = desk.transition(opened.number, "resolve", "ana")
    impact = resolved.impact
    assert impact is not None and (impact.since, impact.until) == (T, T + H)
    assert (impact.baseline_since, impact.baseline_until) == (T - WEEK, T + H - WEEK)
    now, before = impact.current, impact.baseline
    assert (now.requests, now.errors, now.error_rate, now.p95_ms) == (20, 4, 0.2, 1000.0)
    assert (before.requests, before.errors, before.error_rate, before.p95_ms) == (10, 0, 0.0, 100.0)
    assert (now.cost_usd, before.cost_usd, impact.extra_cost_usd) == (Decimal("0.3"), Decimal("0.1"), Decimal("0.2"))
    assert now.unpriced == 1 and before.unpriced == 0
    assert (now.pass_rate, before.pass_rate, impact.pass_rate_change) == (0.4, 0.9, pytest.approx(-0.5))
    assert (now.positive_rate, before.positive_rate, impact.positive_rate_change) == (0.25, 1.0, -0.75)
    # 30 calls of chat in the 30 days that end with the window; 1 % of them may fail; 4 failed in the window.
    assert impact.budget is not None and impact.budget.period_requests == 30 and impact.budget.slo.rule == "slo-burn"
    assert impact.budget_burned == pytest.approx(4 / (0.01 * 30)) and impact.budget_note == ""
    assert desk.get(opened.number).impact == impact  # stored as computed


def test_a_service_without_an_slo_has_an_unknown_budget_and_the_reason(desk):
    desk, _ = desk
    opened = desk.open_by_hand(ManualOpening("search is slow", "SEV3", "ana", service="search", started_at=T))
    impact = desk.transition(opened.number, "resolve", "ana").impact
    assert impact is not None and (impact.current.requests, impact.current.errors) == (5, 5)
    assert impact.current.cost_usd == Decimal("5") and impact.extra_cost_usd == Decimal("5")
    assert impact.budget is None and impact.budget_burned is None
    assert impact.budget_note == "unknown: no error_burn_rate rule sets an SLO for service search"


def test_the_impact_is_measured_again_at_close_and_then_final(desk, store):
    desk, clock = desk
    opened = desk.open_by_hand(ManualOpening("chat answers fail", "SEV2", "ana", service="chat", started_at=T))
    assert opened.impact is not None and opened.impact.current.requests == 20 and not opened.impact.final
    desk.transition(opened.number, "resolve", "ana")
    insert_call(store, "late", T, at=T + 50 * timedelta(minutes=1), service="chat", status="error", duration_ms=10)
    clock["now"] = T + 2 * H
    closed = desk.transition(opened.number, "close", "ana")
    assert closed.impact is not None and closed.impact.final and closed.impact.current.requests == 21
    assert closed.impact.until == T + H  # the window ends at the resolution, not at the close
