"""The post-mortem's Detection section (pure): which alert found the incident, and how long each step of the
response took.

Times are measured as the incident metrics measure them (alerts/incidents/metrics.py): to detect from the
start (the first alert became active, or the start given by hand) to the opening; to acknowledge, mitigate and
resolve from the opening. A milestone the incident skipped (resolved straight from triggered) says so rather
than showing a made-up time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alerts.incidents.model import Event, Incident
from alerts.incidents.postmortem import units as u
from alerts.incidents.postmortem.parts import Table

_HIDDEN_LABELS = ("alertname", "severity")


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in _HIDDEN_LABELS) or "none"


def _fired(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e.kind == "alert_fired"]


def detection_facts(i: Incident, events: Sequence[Event]) -> tuple[tuple[str, str], ...]:
    fired = _fired(events)
    if fired:
        first = fired[0].payload
        found = (f"alert {first.get('rule')} ({first.get('severity') or 'no severity'}) fired at "
                 f"{u.utc(fired[0].at)} UTC; labels {_labels(first.get('labels', {}))}")
    else:
        found = f"no alert: opened by hand by {i.opened_by}"
    m = i.milestones
    reached = (m.detected_at, m.acknowledged_at, m.mitigated_at, m.resolved_at, m.closed_at)
    times = (("Time to detect", m.started_at, "from the start to the opening"),
             ("Time to acknowledge", m.detected_at, "from the opening"),
             ("Time to mitigate", m.detected_at, "from the opening"),
             ("Time to resolve", m.detected_at, "from the opening"))
    return (("Detected by", found),
            *((name, _took(start, reached[k], reached[k + 1:], how)) for k, (name, start, how) in enumerate(times)))


def _took(start: datetime, end: datetime | None, later: tuple[datetime | None, ...], how: str) -> str:
    """How long a milestone took; "skipped" when the incident went past it without it."""
    if end is not None:
        return f"{u.duration(end - start)} ({how})"
    return "skipped" if any(at is not None for at in later) else "not reached yet"


def linked_alerts(events: Sequence[Event]) -> Table | None:
    """Every alert episode linked to the incident, with when it fired and resolved."""
    resolved = {e.episode: e.at for e in events if e.kind == "alert_resolved"}
    rows = tuple((str(e.payload.get("rule")), str(e.payload.get("severity", "")), _labels(e.payload.get("labels", {})),
                  u.utc(e.at), u.utc(resolved[e.episode]) if e.episode in resolved else "still firing")
                 for e in _fired(events))
    return Table(("Alert", "Severity", "Labels", "Fired (UTC)", "Resolved (UTC)"), rows) if rows else None


def milestones(i: Incident) -> Table:
    m = i.milestones
    rows = (("Started", m.started_at), ("Detected (opened)", m.detected_at), ("Acknowledged", m.acknowledged_at),
            ("Mitigated", m.mitigated_at), ("Resolved", m.resolved_at), ("Closed", m.closed_at))
    return Table(("Milestone", "At (UTC)"), tuple((name, u.utc(at) if at else "-") for name, at in rows))
