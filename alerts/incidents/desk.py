"""Every change to an incident, in one place: opening (for an alert, or by hand), attaching alerts,
transitions, edits, notes, runbook steps, post-mortem fields, and measuring the impact.

One desk per process, shared by the alert engine's hook and the API. A lock serialises each
read-modify-write of an incident row and the numbering (INC-n is the highest number + 1), so two
changes in one process never overwrite each other. Across processes (roles split over several
machines) the scheduler opens incidents from alerts and the API by hand; both number from the store,
so two incidents opened at the same instant by two processes could take one number: run the API
that opens incidents by hand in the scheduler's process when that matters.

Opening writes the row before its events: a crash between the two leaves an open incident whose
alert is not yet linked, and the next cycle attaches the alert to it instead of opening another.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from alerts.incidents import changes
from alerts.incidents.book import IncidentBook
from alerts.incidents.impact import Impact
from alerts.incidents.lifecycle import Milestones, transition
from alerts.incidents.measure import measure
from alerts.incidents.model import (
    SEVERITIES,
    Event,
    Incident,
    RunbookPin,
    Severity,
    Source,
    incident_id,
    severity_of,
)
from alerts.incidents.timeline import ENGINE, change_events, event, in_order, notification_event
from alerts.rules import Rule
from alerts.state import AlertState
from runbooks.diagnostics import run_diagnostics
from runbooks.document import Runbook
from runbooks.source import RunbookSource
from runbooks.versions import RunbookVersion
from store.base import Store
from store.errors import BadInput, SpyglassError
from store.queries.change_verdicts import changes_in_window
from store.queries.quality import QualityRules

log = logging.getLogger(__name__)
DIAGNOSTICS_LOOKBACK = timedelta(hours=1)  # diagnostics read at least the hour before the incident opened
EDITABLE = ("title", "severity", "commander")


class UnknownIncident(BadInput):
    """No incident has this id (the API answers 404)."""


def episode(state: AlertState) -> str:
    """An alert episode's identity: its rule, fingerprint and when it started firing."""
    assert state.firing_since is not None
    return f"{state.rule}\x1f{state.fingerprint}\x1f{state.firing_since.isoformat()}"


def began(state: AlertState, now: datetime) -> datetime:
    """When an alert's problem began, as far as the alert knows: the start of the window its detector judged
    (`evidence.window.start`; a cost spike is judged once its hour is complete, so it becomes active after the hour
    it happened in), or else when it became active."""
    active = state.active_since or now
    window = state.evidence.get("window")
    start = window.get("start") if isinstance(window, Mapping) else None
    try:
        judged = datetime.fromisoformat(start) if isinstance(start, str) else None
    except ValueError:
        judged = None
    return min(active, judged) if judged is not None and judged.tzinfo is not None else active


@dataclass(frozen=True)
class ManualOpening:
    """An incident a person opens: what it is, how bad, who; optionally its service, runbook and start."""

    title: str
    severity: Severity
    by: str
    service: str = ""
    commander: str = ""
    runbook: str | None = None  # `id` or `id@version`
    labels: Mapping[str, str] = field(default_factory=dict)
    started_at: datetime | None = None  # default: now


class IncidentDesk:
    def __init__(self, store: Store, runbooks: RunbookSource | None = None,
                 rules: Callable[[], Sequence[Rule]] = tuple, quality: QualityRules = QualityRules(),
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store, self.book = store, IncidentBook(store)
        self._runbooks, self._rules, self._quality, self._clock = runbooks, rules, quality, clock
        self._lock = threading.RLock()

    def now(self) -> datetime:
        return self._clock()

    def get(self, number: int) -> Incident:
        found = self.book.get(number)
        if found is None:
            raise UnknownIncident(f"no incident {incident_id(number)}")
        return found

    # Opening and alerts (the engine's hook calls these).

    def open_for_alert(self, state: AlertState, rule: Rule | None, group_key: str, now: datetime) -> Incident:
        """A new incident for a firing alert: severity from the alert's, its rule's runbook pinned, the alert on
        the timeline, then the runbook's diagnostics and a first impact; it started when the alert's problem
        `began`."""
        labels = dict(state.labels)
        title = state.annotations.get("summary") or f"{state.rule} firing"
        reference = rule.runbook if rule is not None else state.annotations.get("runbook") or None
        return self._open(title, severity_of(labels.get("severity", "")), "alert", ENGINE, labels,
                          labels.get("service", ""), group_key, began(state, now), now, reference,
                          lambda i: [self._alert_event(i, state, "alert_fired")])

    def attach(self, incident: Incident, state: AlertState) -> None:
        """Another alert of the incident's group fired: it joins the timeline (and the incident's alerts)."""
        self.book.append([self._alert_event(incident.id, state, "alert_fired")])

    def alert_resolved(self, incident: str, state: AlertState) -> None:
        self.book.append([self._alert_event(incident, state, "alert_resolved")])

    def open_by_hand(self, opening: ManualOpening) -> Incident:
        if not opening.title.strip():
            raise BadInput("title: say what is wrong")
        if not opening.by.strip():
            raise BadInput("by: say who opens the incident")
        now = self._clock()
        started = opening.started_at or now
        if started > now:
            raise BadInput("started_at: an incident cannot start in the future")
        labels = {**opening.labels, **({"service": opening.service} if opening.service else {})}
        return self._open(opening.title.strip(), opening.severity, "manual", opening.by, labels, opening.service, "",
                          started, now, opening.runbook, lambda i: [], opening.commander, strict=True)

    def _open(self, title: str, severity: Severity, source: Source, by: str, labels: dict[str, str], service: str,
              group_key: str, started: datetime, now: datetime, reference: str | None,
              first_events: Callable[[str], list[Event]], commander: str = "", strict: bool = False) -> Incident:
        """`strict`: a runbook reference that does not resolve is refused (by hand) rather than noted (alerts)."""
        with self._lock:
            number = self.book.next_number()
            name = incident_id(number)
            pin, runbook, pin_events = self._pin(name, reference, now, strict)
            incident = Incident(number, title, severity, "triggered", source,
                                Milestones(min(started, now), now), now, commander, by, group_key, labels, service,
                                pin)
            self.book.save(incident)  # the row first: see the module's docstring
            self.book.append([event(name, "opened", now, by, {"title": title, "severity": severity, "source": source,
                                                               "group_key": group_key}, key="opened"),
                              *first_events(name), *pin_events])
        log.info("incident %s opened (%s, %s): %s", name, severity, source, title)
        if runbook is not None:
            since = min(started, now - DIAGNOSTICS_LOOKBACK)
            results = run_diagnostics(self.store, runbook, labels, since, now, self._quality)
            self.book.append([event(name, "diagnostic", now, ENGINE, {**r.as_json(), "position": i}, key=str(i))
                              for i, r in enumerate(results)])
        try:
            return self._update(number, now, lambda i: (replace(i, impact=self._measure(i, now)), []))
        except SpyglassError as exc:  # measured again at resolve; the incident is open either way
            log.warning("incident %s: impact not computed at open: %s", name, exc)
            return incident

    def _pin(self, name: str, reference: str | None, now: datetime, strict: bool
             ) -> tuple[RunbookPin | None, Runbook | None, list[Event]]:
        """The runbook version `reference` names now, pinned; or why none could be (raised when `strict`)."""
        if not reference:
            return None, None, []
        if self._runbooks is None:
            why = "this process has no runbook library"
        else:
            try:
                found: RunbookVersion = self._runbooks.resolve(reference)
            except BadInput as exc:
                why = str(exc)
            else:
                s = found.stored
                pin = RunbookPin(s.id, s.version, s.content_sha256)
                return pin, found.runbook, [event(name, "runbook_pinned", now, ENGINE, {
                    "reference": reference, "id": s.id, "version": s.version, "content_sha256": s.content_sha256,
                    "path": s.path}, key="pin")]
        if strict:
            raise BadInput(f"runbook: {why}")
        return None, None, [event(name, "runbook_unresolved", now, ENGINE, {"reference": reference, "error": why},
                                  key="pin")]

    @staticmethod
    def _alert_event(incident: str, state: AlertState, kind: str) -> Event:
        at = (state.firing_since if kind == "alert_fired" else state.resolved_at) or state.updated_at
        assert at is not None
        key = episode(state)
        return event(incident, kind, at, ENGINE, {
            "rule": state.rule, "fingerprint": state.fingerprint, "labels": dict(state.labels),
            "severity": state.labels.get("severity", ""), "value": state.value,
            "summary": state.annotations.get("summary", ""),
            "firing_since": state.firing_since.isoformat() if state.firing_since else None}, key=key, episode=key)

    # What people do (the API calls these).

    def transition(self, number: int, action: str, by: str, note: str = "") -> Incident:
        """Move the incident (InvalidTransition names the allowed moves); the impact is measured again at resolve
        and for the last time at close, after which it stays as it is."""
        _need(by, "by")
        now = self._clock()

        def change(i: Incident) -> tuple[Incident, list[Event]]:
            status, milestones = transition(i.status, i.milestones, action, now)
            moved = replace(i, status=status, milestones=milestones,
                            commander=i.commander or (by if action == "ack" else ""))
            if action in ("resolve", "close"):
                moved = replace(moved, impact=self._measure(moved, now, final=action == "close"))
            events = [event(i.id, "status_changed", now, by, {"from": i.status, "to": status, "action": action})]
            if note.strip():
                events.append(event(i.id, "note", now, by, {"text": note.strip()}))
            return moved, events

        return self._update(number, now, change)

    def edit(self, number: int, by: str, title: str | None = None, severity: str | None = None,
             commander: str | None = None) -> Incident:
        """Change the title, severity or commander; the timeline says from what to what."""
        _need(by, "by")
        if title is None and severity is None and commander is None:
            raise BadInput(f"give what to change: {', '.join(EDITABLE)}")
        if severity is not None and severity not in SEVERITIES:
            raise BadInput(f"severity: {severity!r} is not one of {', '.join(SEVERITIES)}")
        if title is not None and not title.strip():
            raise BadInput("title: say what is wrong")
        now = self._clock()

        def change(i: Incident) -> tuple[Incident, list[Event]]:
            edited = replace(i, title=i.title if title is None else title.strip(),
                             severity=i.severity if severity is None else severity,
                             commander=i.commander if commander is None else commander.strip())
            diff = {k: [getattr(i, k), getattr(edited, k)] for k in EDITABLE if getattr(i, k) != getattr(edited, k)}
            return edited, [event(i.id, "edited", now, by, {"changes": diff})] if diff else []

        return self._update(number, now, change)

    def note(self, number: int, by: str, text: str) -> Event:
        _need(by, "by")
        _need(text, "text")
        incident = self.get(number)
        note = event(incident.id, "note", self._clock(), by, {"text": text.strip()})
        self.book.append([note])
        return note

    def check_step(self, number: int, step: int, by: str, checked: bool = True) -> Incident:
        """Check (or uncheck) step `step` of the pinned runbook version."""
        _need(by, "by")
        now = self._clock()

        def change(i: Incident) -> tuple[Incident, list[Event]]:
            found = self.runbook(i)
            if found is None:
                raise BadInput(f"{i.id} follows no runbook: there are no steps to check")
            steps = found.runbook.steps
            if not 1 <= step <= len(steps):
                raise BadInput(f"step: {i.runbook.reference if i.runbook else ''} has steps 1 to {len(steps)}")
            done = set(i.checked_steps) | {step} if checked else set(i.checked_steps) - {step}
            return replace(i, checked_steps=tuple(sorted(done))), [event(i.id, "runbook_step", now, by, {
                "number": step, "text": steps[step - 1].text, "checked": checked})]

        return self._update(number, now, change)

    def edit_postmortem(self, number: int, by: str, changes: Mapping[str, Any]) -> Incident:
        """Replace the given post-mortem fields (summary, root_cause, trigger, resolution, action_items,
        went_well, went_badly, got_lucky); the others stay."""
        _need(by, "by")
        if not changes:
            raise BadInput("give at least one post-mortem field to change")
        now = self._clock()

        def change(i: Incident) -> tuple[Incident, list[Event]]:
            edited = replace(i.postmortem, **changes)
            return replace(i, postmortem=edited), [event(i.id, "postmortem_edited", now, by,
                                                         {"fields": sorted(changes)})]

        return self._update(number, now, change)

    def runbook(self, incident: Incident) -> RunbookVersion | None:
        """The pinned runbook version, with its text as recorded (None when the incident follows none)."""
        if incident.runbook is None:
            return None
        if self._runbooks is None:
            raise BadInput("this process has no runbook library")
        return self._runbooks.read(incident.runbook.id, incident.runbook.version)

    def timeline(self, incident: Incident) -> list[Event]:
        """The stored events, the outbox's notifications of the incident's group and the changes of its service and
        models before it (alerts/incidents/changes.py: read now, so late ones show), in time order."""
        events = self.book.events(incident.number)
        events += [notification_event(incident.id, row) for row in self.book.notifications(incident)
                   if row.state != "pending" or row.attempts]  # queued, not tried yet: nothing happened
        since, until = changes.window(incident.milestones)
        events += change_events(incident.id, changes_in_window(self.store, changes.affected(incident, events), since,
                                                               until))
        return in_order(events)

    def _measure(self, incident: Incident, now: datetime, final: bool = False) -> Impact:
        if incident.impact is not None and incident.impact.final:
            return incident.impact
        return measure(self.store, incident, self._rules(), self._quality, now, final)

    def _update(self, number: int, now: datetime,
                change: Callable[[Incident], tuple[Incident, list[Event]]]) -> Incident:
        with self._lock:
            incident = self.get(number)
            changed, events = change(incident)
            if changed == incident and not events:
                return incident
            changed = replace(changed, updated_at=max(now, incident.updated_at + timedelta(microseconds=1)))
            self.book.save(changed, events)
            return changed


def _need(value: str, name: str) -> None:
    if not value.strip():
        raise BadInput(f"{name}: required")
