"""Measuring an incident's impact: the store's counts for its window and the baseline, into an `Impact`.

The window runs from when the incident started (the window its first alert judged began, or the time given
when it was opened by hand) to its resolution, or to now while it is not resolved. The scope is the
incident's labels (project, service, model, provider; any that are missing match everything).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from alerts.incidents.impact import BASELINE_OFFSET, ErrorBudget, Impact, WindowStats, slo_for
from alerts.incidents.model import Incident
from alerts.rules import Rule
from store.base import Store
from store.queries import incident_impact as q
from store.queries.quality import QualityRules


def window_stats(store: Store, scope: q.Scope, since: datetime, until: datetime, quality: QualityRules) -> WindowStats:
    calls = q.calls(store, scope, since, until)
    cost, unpriced = q.spend(store, scope, since, until)
    scores = q.quality(store, scope, since, until, quality)
    return WindowStats(calls["requests"], calls["errors"], calls["p95_ms"], cost, unpriced, scores["evaluations"],
                       scores["passed"], scores["feedback"], scores["positive"])


def scope_of(incident: Incident) -> q.Scope:
    """The calls an incident is about: its labels, its service field winning."""
    return q.Scope.of({**incident.labels, "service": incident.service})


def measure(store: Store, incident: Incident, rules: Iterable[Rule], quality: QualityRules, now: datetime,
            final: bool = False) -> Impact:
    """The impact of `incident` as the store says now; `final` marks the numbers frozen (at close)."""
    since = incident.milestones.started_at
    until = max(incident.milestones.resolved_at or now, since + timedelta(microseconds=1))
    scope = scope_of(incident)
    current = window_stats(store, scope, since, until, quality)
    baseline = window_stats(store, scope, since - BASELINE_OFFSET, until - BASELINE_OFFSET, quality)
    slo, note = slo_for(incident.service, rules)
    budget = ErrorBudget(slo, q.period_requests(store, incident.service, until, slo.period)) if slo else None
    return Impact(since, until, current, baseline, budget, note, now, final)
