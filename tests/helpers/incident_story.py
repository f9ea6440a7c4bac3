"""One incident told from start to finish on a real store, for the post-mortem tests: the chat service's calls of
tests/helpers/incident_rows.py `populate` (impact worked out by hand), the `slo-burn` alert opening INC-1 with
the shipped runbook slo-burn@1.0.0 pinned and its diagnostics run, then people acknowledging, checking a step,
noting, mitigating and resolving at known times.

    T          the alert becomes active (the incident starts)
    T+5m       it fires: INC-1 opens (time to detect 5 min)
    T+10m      bo acknowledges with a note, checks step 1
    T+40m      bo mitigates                 T+1h   the alert clears; ana resolves
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from alerts.incidents.desk import IncidentDesk
from alerts.rules import check_text
from alerts.state import AlertState
from detectors.registry import DETECTORS
from runbooks.source import RunbookSource
from store import Store
from tests.helpers.incident_rows import SLO_RULES, H, T, populate

M = timedelta(minutes=1)
LABELS = {"alertname": "slo-burn", "service": "chat", "severity": "critical"}
ALERT = AlertState("slo-burn", "f1", LABELS, "firing", active_since=T, firing_since=T + 5 * M, value=13.3,
                   annotations={"summary": "chat burns its error budget", "runbook": "slo-burn@1.0.0"},
                   updated_at=T + 5 * M)


@dataclass
class Story:
    desk: IncidentDesk
    clock: dict[str, datetime]
    number: int

    def at(self, when: datetime) -> None:
        self.clock["now"] = when


def tell(store: Store, resolve: bool = True) -> Story:
    """INC-1 on `store`, resolved at T+1h unless `resolve` is False (then left mitigated)."""
    populate(store)
    rules, problems = check_text(SLO_RULES, "slo.yaml", DETECTORS)
    assert problems == []
    clock = {"now": T + 5 * M}
    runbooks = RunbookSource(store, clock=lambda: clock["now"])
    runbooks.current()  # records the shipped versions, as a service does at start
    desk = IncidentDesk(store, runbooks, rules=lambda: rules, clock=lambda: clock["now"])
    story = Story(desk, clock, desk.open_for_alert(ALERT, None, "{}:{alertname=\"slo-burn\"}", T + 5 * M).number)
    story.at(T + 10 * M)
    desk.transition(story.number, "ack", "bo", note="provider answers 500 to a tenth of the calls")
    desk.check_step(story.number, 1, "bo")
    story.at(T + 40 * M)
    desk.transition(story.number, "mitigate", "bo")
    if resolve:
        story.at(T + H)
        desk.alert_resolved("INC-1", replace(ALERT, status="resolved", resolved_at=T + H))
        desk.transition(story.number, "resolve", "ana")
    return story
