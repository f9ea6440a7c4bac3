"""The timeline's events: their kinds, how each is made, and the one line a person reads for each.

Events the alert engine writes have a deterministic id (incident, kind, key), so writing one twice
(a cycle retried after a failure) leaves one event; events people cause get a random id. The
notifications of an incident's alert group are not copied here: the outbox already records each
one's outcome, so the timeline reads them from there (`notification_event`) when it is shown. So are the changes
of the affected service and models before the incident (`change_events`, alerts/incidents/changes.py says which).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from alerts.incidents import changes
from alerts.incidents.model import Event
from store.queries.change_verdicts import VerdictedChange
from store.queries.notifications import NotificationRow

ENGINE = "spyglass"  # the actor of what the alert engine does
KINDS = ("change", "opened", "alert_fired", "alert_resolved", "status_changed", "edited", "note", "runbook_pinned",
         "runbook_unresolved", "runbook_step", "diagnostic", "impact", "postmortem_edited", "notification_sent",
         "notification_failed", "notification_retrying")


def event(incident: str, kind: str, at: datetime, actor: str, payload: Mapping[str, Any] | None = None,
          key: str | None = None, episode: str = "") -> Event:
    """An event; with `key`, its id is derived from (incident, kind, key), so the same event is written once."""
    if key is None:
        event_id = uuid.uuid4().hex
    else:
        event_id = hashlib.sha256(f"{incident}\x1f{kind}\x1f{key}".encode()).hexdigest()[:32]
    return Event(event_id, incident, at, kind, actor, dict(payload or {}), episode)


def in_order(events: Iterable[Event]) -> list[Event]:
    """Events by time; at one instant in the order things happen (opened, its alert, its runbook, ...), and
    events of one kind by their `position` (the diagnostics in the runbook's order)."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(events, key=lambda e: (e.at, rank.get(e.kind, len(rank)), e.payload.get("position", 0), e.id))


def notification_event(incident: str, row: NotificationRow) -> Event:
    """A notification of the incident's alert group, as the outbox last recorded it."""
    kind = {"delivered": "notification_sent", "dead": "notification_failed"}.get(row.state, "notification_retrying")
    at = row.delivered_at or row.updated_at
    return Event(f"n-{row.id}", incident, at, kind, ENGINE,
                 {"receiver": row.receiver, "status": row.status, "attempts": row.attempts, "error": row.last_error})


def change_events(incident: str, found: Sequence[VerdictedChange]) -> list[Event]:
    """The changes before the incident (given suspect first), by whoever made them: the reporter, or the engine
    for a change it detected."""
    return [Event(f"c-{c.id}", incident, c.at, "change", c.author or (ENGINE if c.source == "detected" else "unknown"),
                  payload) for c, payload in zip(found, changes.payloads(found), strict=True)]


def describe(e: Event) -> str:
    """The line a person reads for an event (the CLI, the post-mortem's timeline)."""
    p = e.payload
    labels = ", ".join(f"{k}={v}" for k, v in sorted(p.get("labels", {}).items()) if k not in ("alertname",
                                                                                                 "severity"))
    lines = {
        "opened": lambda: f"opened ({p.get('severity')}): {p.get('title')}",
        "alert_fired": lambda: f"alert {p.get('rule')} fired ({p.get('severity')}) {labels}".rstrip(),
        "alert_resolved": lambda: f"alert {p.get('rule')} resolved {labels}".rstrip(),
        "status_changed": lambda: f"{p.get('from')} -> {p.get('to')}",
        "edited": lambda: "; ".join(f"{k}: {v[0] or '-'} -> {v[1]}" for k, v in sorted(p.get("changes", {}).items())),
        "note": lambda: str(p.get("text", "")),
        "runbook_pinned": lambda: f"runbook {p.get('id')}@{p.get('version')} pinned (sha256 "
                                  f"{str(p.get('content_sha256', ''))[:12]})",
        "runbook_unresolved": lambda: f"runbook {p.get('reference')} not pinned: {p.get('error')}",
        "runbook_step": lambda: f"step {p.get('number')} {'checked' if p.get('checked') else 'unchecked'}: "
                                f"{str(p.get('text', '')).splitlines()[0] if p.get('text') else ''}",
        "diagnostic": lambda: f"diagnostic {p.get('query')}: {_diagnostic(p)}",
        "change": lambda: changes.line(p),
        "impact": lambda: f"impact computed{' (final)' if p.get('final') else ''}",
        "postmortem_edited": lambda: f"post-mortem edited: {', '.join(p.get('fields', []))}",
        "notification_sent": lambda: f"{p.get('status')} notification sent to {p.get('receiver')}",
        "notification_failed": lambda: f"{p.get('status')} notification to {p.get('receiver')} failed after "
                                       f"{p.get('attempts')} attempt(s): {p.get('error')}",
        "notification_retrying": lambda: f"{p.get('status')} notification to {p.get('receiver')} pending "
                                         f"({p.get('attempts')} attempt(s)){': ' + p['error'] if p.get('error') else ''}",
    }
    line = lines.get(e.kind)
    return line() if line else e.kind


def _diagnostic(p: Mapping[str, Any]) -> str:
    if p.get("status") != "ok":
        return f"{p.get('status')}: {p.get('message')}"
    return f"{len(p.get('rows', []))} row(s)"
