"""The changes that preceded an incident (issue 15): which scope and window an incident's changes are read for, how
each one is put on its timeline, and the words a person reads for it (pure; desk.py does the read).

Scope: the incident's affected service and models, as the incident knows them.
- Service: the incident's `service` (an alert's `service` label, or what was given when it was opened by hand),
  else its `service` or `service_name` label.
- Models: the `model`, `request_model` and `response_model` labels of the incident and of every alert linked to it
  (the alerts of one group can be about several models of the service).
- Project: its `project` label.
Whatever it does not know matches anything (store/queries/change_verdicts.py says how a change matches), so an
incident opened by hand with no service shows every change of the window, as its impact counts every call.

Window: from 24 hours before the incident started up to when it opened. A change between the start and the
opening (a deploy in the hour a cost spike was judged over) is as much a suspect as one just before the start.

The changes are read when the timeline is shown, not written onto it when the incident opens: a change a CI
pipeline reports late, and a verdict the canary analysis reaches after the incident opened, still show, and the
verdict shown is always the change's current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from alerts.incidents.lifecycle import Milestones
from alerts.incidents.model import Event, Incident
from store.queries.change_verdicts import SUSPICION, ChangeScope, VerdictedChange

LOOKBACK = timedelta(hours=24)
SERVICE_LABELS = ("service", "service_name")
MODEL_LABELS = ("model", "request_model", "response_model")


def affected(incident: Incident, events: Iterable[Event]) -> ChangeScope:
    """The project, service and models whose changes the incident shows (see the module's docstring)."""
    labels = [incident.labels, *(e.payload.get("labels", {}) for e in events if e.kind == "alert_fired")]
    service = incident.service or next((incident.labels[n] for n in SERVICE_LABELS if incident.labels.get(n)), "")
    models = {found[name] for found in labels for name in MODEL_LABELS if found.get(name)}
    return ChangeScope(incident.labels.get("project", ""), service, tuple(sorted(models)))


def window(m: Milestones) -> tuple[datetime, datetime]:
    """From LOOKBACK before the incident started to its opening."""
    return m.started_at - LOOKBACK, max(m.detected_at, m.started_at)


def payloads(changes: Sequence[VerdictedChange]) -> list[dict[str, Any]]:
    """Each change (given suspect first) as a timeline event's details, with its `position` in that order; the first
    is the `suspect` when its verdict is one of SUSPICION (a change is never accused without a verdict)."""
    return [_payload(c, k, k == 0 and c.verdict is not None and c.verdict.verdict in SUSPICION)
            for k, c in enumerate(changes)]


def _payload(c: VerdictedChange, position: int, suspect: bool) -> dict[str, Any]:
    v = c.verdict
    verdict = None if v is None else {
        "verdict": v.verdict, "score": v.score, "worse": list(v.worse), "mode": v.mode,
        "run_at": _time(v.run_at), "window_start": _time(v.window_start), "window_end": _time(v.window_end)}
    return {"id": c.id, "kind": c.kind, "project": c.project, "service": c.service, "model": c.model,
            "dimension": c.dimension, "subject": c.subject, "from_value": c.from_value, "to_value": c.to_value,
            "source": c.source, "author": c.author, "description": c.description, "link": c.link,
            "verdict": verdict, "position": position, "suspect": suspect}


def _time(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def scope_text(p: Mapping[str, Any]) -> str:
    """`service=chat, model=gpt-4o`; `fleet` for a change of no service and no model."""
    parts = [f"{name}={p[name]}" for name in ("service", "model", "subject") if p.get(name)]
    return ", ".join(parts) or "fleet"


def from_to(p: Mapping[str, Any]) -> str:
    return f"{p.get('from_value') or '-'} -> {p.get('to_value') or '-'}"


def source_text(p: Mapping[str, Any]) -> str:
    return f"{p.get('source')}{' by ' + p['author'] if p.get('author') else ''}"


def verdict_text(p: Mapping[str, Any]) -> str:
    """`fail, score 12.5`, `insufficient data`, `not analysed`."""
    v = p.get("verdict")
    if not v:
        return "not analysed"
    words = str(v["verdict"]).replace("_", " ")
    return words if v["verdict"] == "insufficient_data" else f"{words}, score {v['score']:.1f}"


def worse_text(p: Mapping[str, Any]) -> str:
    v = p.get("verdict")
    return ", ".join(v["worse"]) if v and v.get("worse") else "none"


def line(p: Mapping[str, Any]) -> str:
    """The timeline's line for a change."""
    worse = f"; worse: {worse_text(p)}" if worse_text(p) != "none" else ""
    return (f"{'suspect ' if p.get('suspect') else ''}{p.get('kind')} change ({scope_text(p)}): {from_to(p)}, "
            f"{source_text(p)}; verdict {verdict_text(p)}{worse}{'; ' + p['link'] if p.get('link') else ''}")
