"""Incidents as the API sends them: the domain types of alerts/incidents mapped onto client/models/incidents.py.

The incident's alerts and runbook steps are read off its timeline (alert fired/resolved, step
checked/unchecked), which is the one record of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from alerts.incidents import impact as domain_impact
from alerts.incidents import metrics
from alerts.incidents.lifecycle import ALLOWED
from alerts.incidents.model import Event, Incident
from alerts.incidents.timeline import describe
from client.models import incidents as wire
from runbooks.versions import RunbookVersion
from spyglass.timerange import rfc3339


def _time(value: Any) -> str | None:
    return rfc3339(value) if value is not None else None


def summary(i: Incident) -> dict[str, Any]:
    m, pin = i.milestones, i.runbook
    return {"id": i.id, "number": i.number, "title": i.title, "severity": i.severity, "status": i.status,
            "source": i.source, "service": i.service, "commander": i.commander, "opened_by": i.opened_by,
            "group_key": i.group_key, "started_at": rfc3339(m.started_at), "detected_at": rfc3339(m.detected_at),
            "acknowledged_at": _time(m.acknowledged_at), "mitigated_at": _time(m.mitigated_at),
            "resolved_at": _time(m.resolved_at), "closed_at": _time(m.closed_at), "updated_at": rfc3339(i.updated_at),
            "runbook": {"id": pin.id, "version": pin.version, "content_sha256": pin.content_sha256} if pin else None,
            "extra_cost_usd": i.impact.extra_cost_usd if i.impact else None}


def _window(s: domain_impact.WindowStats) -> dict[str, Any]:
    return {"requests": s.requests, "errors": s.errors, "error_rate": s.error_rate, "p95_latency_ms": s.p95_ms,
            "cost_usd": s.cost_usd, "unpriced_calls": s.unpriced, "evaluations": s.evaluations,
            "pass_rate": s.pass_rate, "feedback": s.feedback, "positive_rate": s.positive_rate}


def impact(x: domain_impact.Impact) -> dict[str, Any]:
    budget = None if x.budget is None else {
        "rule": x.budget.slo.rule, "objective": x.budget.slo.objective,
        "period_days": x.budget.slo.period.total_seconds() / 86400, "period_requests": x.budget.period_requests,
        "burned": x.budget_burned}
    return {"since": rfc3339(x.since), "until": rfc3339(x.until), "baseline_since": rfc3339(x.baseline_since),
            "baseline_until": rfc3339(x.baseline_until), "current": _window(x.current),
            "baseline": _window(x.baseline), "extra_cost_usd": x.extra_cost_usd,
            "pass_rate_change": x.pass_rate_change, "positive_rate_change": x.positive_rate_change,
            "error_budget": budget, "error_budget_note": x.budget_note, "computed_at": rfc3339(x.computed_at),
            "final": x.final}


def entry(e: Event) -> dict[str, Any]:
    return {"at": rfc3339(e.at), "kind": e.kind, "actor": e.actor, "text": describe(e), "data": dict(e.payload)}


def _alerts(events: Sequence[Event]) -> list[dict[str, Any]]:
    alerts: dict[str, dict[str, Any]] = {}
    for e in events:
        p = e.payload
        if e.kind == "alert_fired":
            alerts[e.episode] = {"rule": p["rule"], "fingerprint": p["fingerprint"], "labels": p["labels"],
                                 "severity": p["severity"], "fired_at": rfc3339(e.at), "resolved_at": None}
        elif e.kind == "alert_resolved" and e.episode in alerts:
            alerts[e.episode]["resolved_at"] = rfc3339(e.at)
    return list(alerts.values())


def _steps(i: Incident, pinned: RunbookVersion | None, events: Sequence[Event]) -> list[dict[str, Any]]:
    if pinned is None:
        return []
    last = {e.payload["number"]: e for e in events if e.kind == "runbook_step"}
    return [{"number": s.number, "text": s.text, "checked": s.number in i.checked_steps,
             "by": last[s.number].actor if s.number in last else None,
             "at": rfc3339(last[s.number].at) if s.number in last else None} for s in pinned.runbook.steps]


def postmortem(i: Incident) -> dict[str, Any]:
    p = i.postmortem
    return {"summary": p.summary, "root_cause": p.root_cause, "trigger": p.trigger, "resolution": p.resolution,
            "action_items": [{"title": a.title, "owner": a.owner, "due": a.due, "done": a.done}
                             for a in p.action_items],
            "went_well": p.went_well, "went_badly": p.went_badly, "got_lucky": p.got_lucky}


def detail(i: Incident, events: Sequence[Event], pinned: RunbookVersion | None) -> wire.IncidentDetail:
    return wire.IncidentDetail.model_validate({
        **summary(i), "labels": dict(i.labels), "allowed_actions": list(ALLOWED[i.status]), "alerts": _alerts(events),
        "steps": _steps(i, pinned, events), "impact": impact(i.impact) if i.impact else None,
        "timeline": [entry(e) for e in events], "postmortem": postmortem(i)})


def _phase(s: metrics.Stat) -> dict[str, Any]:
    return {"count": s.count, "mean_seconds": s.mean_seconds, "p90_seconds": s.p90_seconds}


def incident_metrics(since: Any, incidents: Sequence[Incident]) -> wire.IncidentMetrics:
    weeks = [{"week": w.week.isoformat(), "service": w.service, "severity": w.severity, "incidents": w.incidents,
              **{phase: _phase(w.times[phase]) for phase in metrics.PHASES}} for w in metrics.weekly(incidents)]
    months = [{"month": m.month, "incidents": m.incidents, "extra_cost_usd": m.extra_cost_usd,
               "without_impact": m.without_impact} for m in metrics.monthly(incidents)]
    return wire.IncidentMetrics.model_validate({"since": rfc3339(since), "weeks": weeks, "months": months})


def action_items(incidents: Sequence[Incident], today: date) -> wire.ActionItems:
    return wire.ActionItems.model_validate({"items": [
        {"incident": o.incident, "incident_title": o.title, "title": o.item.title, "owner": o.item.owner,
         "due": o.item.due.isoformat() if o.item.due else None, "overdue": o.item.due is not None and o.item.due < today}
        for o in metrics.open_items(incidents)]})
