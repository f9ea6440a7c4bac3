"""An incident's impact on a real store, checked against numbers worked out by hand from the rows inserted
(tests/helpers/incident_rows.py `populate`): requests, errors, p95 latency, extra cost (exact), quality and
feedback change, error budget burned."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from alerts.incidents.desk import IncidentDesk, ManualOpening
from alerts.rules import check_text
from detectors.registry import DETECTORS
from tests.helpers.calls import insert_call
from tests.helpers.incident_rows import SLO_RULES, WEEK, H, T, populate


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
