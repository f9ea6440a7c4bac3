"""Across incidents: is the team getting better? Pure functions of the incidents' milestones and impacts.

- Time to detect = detected (opened) - started (the start of the window its first alert judged, or when that
  alert became active; or the start given by hand); to acknowledge, mitigate and resolve = that milestone -
  detected. Per ISO week (Monday, UTC) of detection, service and severity: the mean and the 90th percentile
  (nearest rank: the smallest value with at least 90 % of the values at or below it, so it is always one of
  the measured times), over the incidents that reached the milestone (a skipped one is not counted as zero).
- Per month of detection: incidents, and dollars lost: the extra cost of their impacts, counting only
  rises (an outage that made spend fall did not earn money), and how many have no impact yet.
- Open action items: every action item not done, with its incident, owner and due date, soonest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from alerts.incidents.model import ActionItem, Incident

PHASES = ("detect", "acknowledge", "mitigate", "resolve")
_SINCE: dict[str, Callable[[Incident], tuple[datetime | None, datetime | None]]] = {
    "detect": lambda i: (i.milestones.started_at, i.milestones.detected_at),
    "acknowledge": lambda i: (i.milestones.detected_at, i.milestones.acknowledged_at),
    "mitigate": lambda i: (i.milestones.detected_at, i.milestones.mitigated_at),
    "resolve": lambda i: (i.milestones.detected_at, i.milestones.resolved_at),
}


@dataclass(frozen=True)
class Stat:
    count: int
    mean_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Week:
    week: date  # its Monday
    service: str
    severity: str
    incidents: int
    times: dict[str, Stat]  # by phase


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    incidents: int
    extra_cost_usd: Decimal
    without_impact: int


@dataclass(frozen=True)
class OpenItem:
    incident: str
    title: str
    item: ActionItem


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def stat(values: Sequence[float]) -> Stat:
    return Stat(len(values), sum(values) / len(values) if values else None, p90(values))


def duration(incident: Incident, phase: str) -> float | None:
    start, end = _SINCE[phase](incident)
    return (end - start).total_seconds() if start is not None and end is not None else None


def weekly(incidents: Iterable[Incident]) -> list[Week]:
    groups: dict[tuple[date, str, str], list[Incident]] = {}
    for i in incidents:
        day = i.milestones.detected_at.date()
        groups.setdefault((day - timedelta(days=day.weekday()), i.service, i.severity), []).append(i)
    return [Week(week, service, severity, len(members),
                 {phase: stat([d for m in members if (d := duration(m, phase)) is not None]) for phase in PHASES})
            for (week, service, severity), members in sorted(groups.items())]


def monthly(incidents: Iterable[Incident]) -> list[Month]:
    groups: dict[str, list[Incident]] = {}
    for i in incidents:
        groups.setdefault(i.milestones.detected_at.strftime("%Y-%m"), []).append(i)
    return [Month(month, len(members),
                  sum((max(m.impact.extra_cost_usd, Decimal(0)) for m in members if m.impact), Decimal(0)),
                  sum(1 for m in members if m.impact is None))
            for month, members in sorted(groups.items())]


def open_items(incidents: Iterable[Incident]) -> list[OpenItem]:
    found = [OpenItem(i.id, i.title, item) for i in incidents for item in i.postmortem.action_items if not item.done]
    return sorted(found, key=lambda o: (o.item.due is None, o.item.due or date.min, o.incident, o.item.title))
