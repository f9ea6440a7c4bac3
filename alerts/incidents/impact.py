"""What an incident cost, from the store's numbers: the incident window against the same window a week earlier.

Pure: the counts come from store/queries/incident_impact.py (one row per window), this module derives
the rates and changes and finds the service's error-rate SLO among the alert rules. Kept as counts
(requests, errors, evaluations, passing ones, ...) so that every rate can be recomputed by hand, and
serialised as such into the incident row; the derived numbers are properties.

- requests affected: calls of the incident's scope (its service, model, provider, project labels) in
  the window; errors and the error rate among them; p95 latency of those calls.
- extra cost: spend in the window minus spend in the baseline window, exact (Decimal), by the one spend
  rule (token price, or allocated GPU time for GPU-served calls).
- quality: pass rate of evaluations and positive share of feedback, now and a week earlier, and the
  change in percentage points.
- error budget burned: errors in the window / (budget share x calls of the SLO period that ends with the
  window), when an `error_burn_rate` rule covers the service; otherwise unknown, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from alerts.rules import Rule

BASELINE_OFFSET = timedelta(days=7)


@dataclass(frozen=True)
class WindowStats:
    """The counts of one window (the incident's or the baseline)."""

    requests: int = 0
    errors: int = 0
    p95_ms: float | None = None  # None: no calls
    cost_usd: Decimal = Decimal(0)
    unpriced: int = 0  # calls without a price: the cost is a lower bound when > 0
    evaluations: int = 0
    passed: int = 0
    feedback: int = 0
    positive: int = 0

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.evaluations if self.evaluations else None

    @property
    def positive_rate(self) -> float | None:
        return self.positive / self.feedback if self.feedback else None


@dataclass(frozen=True)
class Slo:
    """An error-rate objective from an `error_burn_rate` rule."""

    rule: str
    objective: float
    period: timedelta


@dataclass(frozen=True)
class ErrorBudget:
    slo: Slo
    period_requests: int  # calls in the SLO period that ends with the window

    def burned(self, errors: int) -> float | None:
        """The share of the period's error budget that `errors` spent (1 = all of it)."""
        allowed = (1 - self.slo.objective) * self.period_requests
        return errors / allowed if allowed else None


@dataclass(frozen=True)
class Impact:
    since: datetime
    until: datetime
    current: WindowStats
    baseline: WindowStats
    budget: ErrorBudget | None
    budget_note: str  # why the burned budget is unknown ('' when known)
    computed_at: datetime
    final: bool = False  # frozen at close: never recomputed

    @property
    def baseline_since(self) -> datetime:
        return self.since - BASELINE_OFFSET

    @property
    def baseline_until(self) -> datetime:
        return self.until - BASELINE_OFFSET

    @property
    def extra_cost_usd(self) -> Decimal:
        return self.current.cost_usd - self.baseline.cost_usd

    @property
    def budget_burned(self) -> float | None:
        return self.budget.burned(self.current.errors) if self.budget else None

    @property
    def pass_rate_change(self) -> float | None:
        return _change(self.current.pass_rate, self.baseline.pass_rate)

    @property
    def positive_rate_change(self) -> float | None:
        return _change(self.current.positive_rate, self.baseline.positive_rate)

    def to_json(self) -> dict[str, Any]:
        def stats(s: WindowStats) -> dict[str, Any]:
            return {**asdict(s), "cost_usd": str(s.cost_usd)}

        budget = None if self.budget is None else {
            "rule": self.budget.slo.rule, "objective": self.budget.slo.objective,
            "period_seconds": self.budget.slo.period.total_seconds(), "period_requests": self.budget.period_requests}
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "current": stats(self.current),
                "baseline": stats(self.baseline), "budget": budget, "budget_note": self.budget_note,
                "computed_at": self.computed_at.isoformat(), "final": self.final}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Impact:
        def stats(d: Mapping[str, Any]) -> WindowStats:
            return WindowStats(**{**d, "cost_usd": Decimal(d["cost_usd"])})

        b = data["budget"]
        budget = None if b is None else ErrorBudget(
            Slo(b["rule"], b["objective"], timedelta(seconds=b["period_seconds"])), b["period_requests"])
        return cls(datetime.fromisoformat(data["since"]), datetime.fromisoformat(data["until"]),
                   stats(data["current"]), stats(data["baseline"]), budget, data["budget_note"],
                   datetime.fromisoformat(data["computed_at"]), data["final"])


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def slo_for(service: str, rules: Iterable[Rule]) -> tuple[Slo | None, str]:
    """The error-rate SLO of `service`: the first `error_burn_rate` rule that judges it (grouped by service, and
    not filtered to other services); else None and why the budget is unknown."""
    if not service:
        return None, "unknown: the incident names no service"
    for rule in rules:
        if rule.detector != "error_burn_rate" or rule.params is None:
            continue
        p = rule.params
        only = p.where.get("service")
        if (service in only) if only is not None else ("service" in p.group_by):
            return Slo(rule.name, p.objective, p.period), ""
    return None, f"unknown: no error_burn_rate rule sets an SLO for service {service}"
