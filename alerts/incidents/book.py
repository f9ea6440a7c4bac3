"""Incidents and their timeline in the store, as the incident types (the only module that knows their rows)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alerts.incidents.impact import Impact
from alerts.incidents.lifecycle import Milestones
from alerts.incidents.model import Event, Incident, Postmortem, RunbookPin, incident_id
from store.base import Store
from store.queries import incidents as q
from store.queries import notifications as nq
from store.queries.notifications import NotificationRow

_MILESTONES = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at")


def incident_row(i: Incident) -> dict[str, Any]:
    pin = i.runbook
    return {"number": i.number, "id": i.id, "title": i.title, "severity": i.severity, "status": i.status,
            "source": i.source, "commander": i.commander, "opened_by": i.opened_by, "group_key": i.group_key,
            "labels": dict(i.labels), "service": i.service,
            **{name: getattr(i.milestones, name) for name in _MILESTONES},
            "runbook_id": pin.id if pin else "", "runbook_version": pin.version if pin else "",
            "runbook_sha256": pin.content_sha256 if pin else "", "checked_steps": sorted(i.checked_steps),
            "impact": json.dumps(i.impact.to_json(), sort_keys=True) if i.impact else "",
            "postmortem": i.postmortem.to_json(), "updated_at": i.updated_at}


def incident_of(row: dict[str, Any]) -> Incident:
    pin = RunbookPin(row["runbook_id"], row["runbook_version"], row["runbook_sha256"]) if row["runbook_id"] else None
    return Incident(row["number"], row["title"], row["severity"], row["status"], row["source"],
                    Milestones(*(row[name] for name in _MILESTONES)), row["updated_at"], row["commander"],
                    row["opened_by"], row["group_key"], row["labels"], row["service"], pin,
                    tuple(row["checked_steps"]), Impact.from_json(json.loads(row["impact"])) if row["impact"] else None,
                    Postmortem.from_json(row["postmortem"]))


def event_row(e: Event) -> dict[str, Any]:
    return {"id": e.id, "incident": e.incident, "at": e.at, "kind": e.kind, "actor": e.actor, "episode": e.episode,
            "payload": json.dumps(e.payload, sort_keys=True, default=str)}


def event_of(row: dict[str, Any]) -> Event:
    return Event(row["id"], row["incident"], row["at"], row["kind"], row["actor"], json.loads(row["payload"]),
                 row["episode"])


class IncidentBook:
    """Reads and writes of incidents and their events, over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def next_number(self) -> int:
        return q.next_number(self.store)

    def get(self, number: int) -> Incident | None:
        row = q.incident(self.store, number)
        return incident_of(row) if row else None

    def find(self, statuses: Sequence[str] = (), severities: Sequence[str] = (), service: str | None = None,
             since: datetime | None = None, limit: int = 1000) -> list[Incident]:
        return [incident_of(r) for r in q.incidents(self.store, statuses, severities, service, since, limit)]

    def open_for_groups(self, group_keys: Sequence[str]) -> dict[str, Incident]:
        """The oldest open incident of each group key that has one."""
        found: dict[str, Incident] = {}
        for incident in map(incident_of, q.open_for_groups(self.store, group_keys)):
            found.setdefault(incident.group_key, incident)
        return found

    def save(self, incident: Incident, events: Sequence[Event] = ()) -> None:
        """Events first: an incident row never shows a change its timeline does not have."""
        self.append(events)
        q.write_incident(self.store, incident_row(incident))

    def append(self, events: Sequence[Event]) -> None:
        q.append_events(self.store, [event_row(e) for e in events])

    def events(self, number: int) -> list[Event]:
        return [event_of(r) for r in q.events(self.store, incident_id(number))]

    def episodes(self, episodes: Sequence[str]) -> list[dict[str, Any]]:
        """(incident, episode, kind) of the alert events written for these episodes."""
        return q.episodes(self.store, episodes) if episodes else []

    def notifications(self, incident: Incident) -> list[NotificationRow]:
        """The outbox's notifications of the incident's alert group since it started (none for a manual one)."""
        if not incident.group_key:
            return []
        until = incident.milestones.closed_at
        return nq.listing(self.store, group_key=incident.group_key, since=incident.milestones.started_at,
                          until=until, limit=200)
