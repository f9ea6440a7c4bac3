"""What a post-mortem is written from, read once from the store: the incident, its timeline (with the changes before
it and their verdicts, as they are now), the pinned runbook version with its text as recorded, and (for the HTML)
the numbers over time around its window.

The only module of the post-mortem that does I/O; everything after it is a pure function of its `IncidentRecord`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.incidents.desk import IncidentDesk
from alerts.incidents.measure import scope_of
from alerts.incidents.model import Event, Incident
from alerts.incidents.postmortem.series import Series, chart_window, series
from runbooks.versions import RunbookVersion
from store.errors import BadInput
from store.queries import incident_impact as q


@dataclass(frozen=True)
class IncidentRecord:
    incident: Incident
    timeline: Sequence[Event]
    runbook: RunbookVersion | None  # the pinned version as recorded (None: no pin, or it could not be read)
    runbook_error: str = ""  # why a pinned version could not be read
    series: Series | None = None  # the charts' numbers (the HTML only)


def gather(desk: IncidentDesk, number: int, now: datetime, charts: bool = False) -> IncidentRecord:
    """Everything the post-mortem of incident `number` needs (UnknownIncident when there is none); `now` ends the
    charts of an incident that is not resolved yet."""
    incident = desk.get(number)
    try:
        runbook, error = desk.runbook(incident), ""
    except BadInput as exc:  # a store without the recorded version, a process without a library
        runbook, error = None, str(exc)
    numbers = _series(desk, incident, now) if charts else None
    return IncidentRecord(incident, desk.timeline(incident), runbook, error, numbers)


def _series(desk: IncidentDesk, incident: Incident, now: datetime) -> Series:
    m = incident.milestones
    window = chart_window(m.started_at, m.resolved_at or now)
    scope = scope_of(incident)
    args = (desk.store, scope, window.since, window.until, window.step_seconds)
    return series(window, q.call_series(*args), q.spend_series(*args))
