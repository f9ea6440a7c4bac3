"""The post-mortem's sections as text, from an `IncidentRecord` (pure): what both the Markdown and the HTML
templates lay out, so the two formats always say the same thing.

Sections, in order: Summary, Impact, Detection, Changes before the incident, Timeline, Runbook used, Diagnostics,
Root cause, Trigger, Resolution, Action items, Lessons learned. The numbers are Spyglass's (the stored impact, the
milestones, the changes before the incident with their verdicts, the timeline, the pinned runbook's recorded text,
the diagnostics' tables); the rest is what people wrote in the incident's post-mortem fields. A field nobody wrote
is a `Text` whose prompt the templates show in its place: a report must never put words in its authors' mouths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from alerts.incidents.impact import Impact
from alerts.incidents.model import Event, Incident
from alerts.incidents.postmortem import units as u
from alerts.incidents.postmortem.changes import ChangesSection, changes_before
from alerts.incidents.postmortem.detection import detection_facts, linked_alerts, milestones
from alerts.incidents.postmortem.parts import Table, Text
from alerts.incidents.postmortem.record import IncidentRecord
from alerts.incidents.postmortem.runbook import RunbookUsed, runbook_used
from alerts.incidents.timeline import describe
from store.queries.incident_impact import SCOPE

PROMPTS = {
    "summary": "To be written: what happened, who was affected and for how long, in two or three sentences.",
    "root_cause": "To be written: what caused it? The causes and contributing factors, without blame.",
    "trigger": "To be written: what set it off? A deploy, a prompt, model or provider change, a surge of traffic.",
    "resolution": "To be written: what stopped the impact, and what fixed the cause?",
    "action_items": "To be written: what will prevent this, detect it sooner or shorten it next time? "
                    "Each action with an owner and a due date.",
    "went_well": "To be written: what went well?",
    "went_badly": "To be written: what went badly?",
    "got_lucky": "To be written: where did we get lucky?",
}


@dataclass(frozen=True)
class Diagnostic:
    title: str
    query: str
    summary: str  # what it ran with, and its outcome when it has no table
    table: Table | None


@dataclass(frozen=True)
class ImpactSection:
    window: str
    measured: str
    table: Table
    facts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Report:
    id: str
    title: str
    header: tuple[tuple[str, str], ...]
    summary: Text
    impact: ImpactSection | None
    detection: tuple[tuple[str, str], ...]
    alerts: Table | None
    milestones: Table
    changes: ChangesSection
    timeline: Table
    runbook: RunbookUsed | None
    runbook_note: str  # why there is no runbook text
    diagnostics: tuple[Diagnostic, ...]
    diagnostics_at: str  # when they ran ('' when none did)
    root_cause: Text
    trigger: Text
    resolution: Text
    action_items: Table | None
    action_prompt: str
    went_well: Text
    went_badly: Text
    got_lucky: Text


def report(record: IncidentRecord) -> Report:
    i, events = record.incident, record.timeline
    p = i.postmortem
    used, note = runbook_used(i, record.runbook, record.runbook_error, events)
    diagnostics, ran_at = _diagnostics(events)
    items = Table(("Action", "Owner", "Due", "Done"), tuple(
        (a.title, a.owner or "to be named", a.due.isoformat() if a.due else "to be set", "yes" if a.done else "no")
        for a in p.action_items)) if p.action_items else None
    return Report(
        i.id, i.title, _header(i), Text(p.summary, PROMPTS["summary"]),
        _impact(i.impact, i) if i.impact else None, detection_facts(i, events), linked_alerts(events),
        milestones(i), changes_before(i, events), _timeline(events), used, note, diagnostics, ran_at,
        Text(p.root_cause, PROMPTS["root_cause"]), Text(p.trigger, PROMPTS["trigger"]),
        Text(p.resolution, PROMPTS["resolution"]), items, PROMPTS["action_items"],
        Text(p.went_well, PROMPTS["went_well"]), Text(p.went_badly, PROMPTS["went_badly"]),
        Text(p.got_lucky, PROMPTS["got_lucky"]))


def _header(i: Incident) -> tuple[tuple[str, str], ...]:
    opened = f"by {i.opened_by}" + (" (from an alert)" if i.source == "alert" else " (by hand)")
    return (("Incident", i.id), ("Severity", i.severity), ("Status", i.status), ("Service", i.service or u.NONE),
            ("Commander", i.commander or "none named"), ("Opened", opened), ("Scope", _scope(i.labels, i.service)))


def _scope(labels: Mapping[str, str], service: str) -> str:
    chosen = {**{k: v for k, v in labels.items() if k in SCOPE}, **({"service": service} if service else {})}
    return ", ".join(f"{k}={v}" for k, v in sorted(chosen.items()) if v) or "all calls"


def _impact(x: Impact, i: Incident) -> ImpactSection:
    now, before = x.current, x.baseline
    window = (f"From {u.utc(x.since)} to {u.utc(x.until)} UTC ({u.duration(x.until - x.since)}), against the same "
              f"window a week earlier ({u.utc(x.baseline_since)} to {u.utc(x.baseline_until)} UTC); calls of "
              f"{_scope(i.labels, i.service)}.")
    measured = (f"Measured at {u.utc(x.computed_at)} UTC; " + ("final: frozen when the incident was closed."
                                                              if x.final else "measured again at close."))

    def evaluations(rate: float | None, n: int, unit: str) -> str:
        return f"{u.percent(rate)} of {u.count(n, unit)}"

    rows = (
        ("Requests", u.count(now.requests, "request"), u.count(before.requests, "request"),
         u.change(now.requests - before.requests, "request")),
        ("Errors", f"{u.count(now.errors, 'error')} ({u.percent(now.error_rate)})",
         f"{u.count(before.errors, 'error')} ({u.percent(before.error_rate)})",
         _change_of(now.error_rate, before.error_rate)),
        ("p95 latency", u.milliseconds(now.p95_ms), u.milliseconds(before.p95_ms),
         u.NONE if now.p95_ms is None or before.p95_ms is None else
         ("+" if now.p95_ms >= before.p95_ms else "-") + u.milliseconds(abs(now.p95_ms - before.p95_ms))),
        ("Spend", u.dollars(now.cost_usd), u.dollars(before.cost_usd), u.dollars(x.extra_cost_usd, signed=True)),
        ("Evaluation pass rate", evaluations(now.pass_rate, now.evaluations, "evaluation"),
         evaluations(before.pass_rate, before.evaluations, "evaluation"), u.points(x.pass_rate_change)),
        ("Positive feedback", evaluations(now.positive_rate, now.feedback, "rating"),
         evaluations(before.positive_rate, before.feedback, "rating"), u.points(x.positive_rate_change)),
    )
    unpriced = (f"; {u.count(now.unpriced, 'call')} without a price, so the spend is a lower bound"
                if now.unpriced else "")
    facts = (
        ("Requests affected", f"{u.count(now.requests, 'request')}, {u.count(now.errors, 'error')} "
                              f"(error rate {u.percent(now.error_rate)})"),
        ("Extra cost", f"{u.dollars(x.extra_cost_usd, signed=True)} against a week earlier "
                       f"({u.dollars(now.cost_usd)} against {u.dollars(before.cost_usd)}){unpriced}"),
        ("Error budget burned", _budget(x)),
        ("Quality", f"evaluation pass rate {u.percent(now.pass_rate)} ({u.points(x.pass_rate_change)}), positive "
                    f"feedback {u.percent(now.positive_rate)} ({u.points(x.positive_rate_change)})"),
    )
    return ImpactSection(window, measured, Table(("Measure", "Incident window", "A week earlier", "Change"), rows),
                         facts)


def _change_of(now: float | None, before: float | None) -> str:
    return u.NONE if now is None or before is None else u.points(now - before)


def _budget(x: Impact) -> str:
    if x.budget is None:
        return x.budget_note
    slo = x.budget.slo
    return (f"{u.percent(x.budget_burned)} of the {slo.period.total_seconds() / 86400:g}-day error budget "
            f"(rule {slo.rule}, objective {slo.objective * 100:g}%, {u.count(x.budget.period_requests, 'request')} "
            f"in the period)")


def _timeline(events: Sequence[Event]) -> Table:
    return Table(("At (UTC)", "Who", "What"), tuple((u.utc(e.at), e.actor, describe(e)) for e in events))


def _diagnostics(events: Sequence[Event]) -> tuple[tuple[Diagnostic, ...], str]:
    """The diagnostics in the runbook's order, and when they ran."""
    found = [e for e in events if e.kind == "diagnostic"]
    ordered = sorted(found, key=lambda e: e.payload.get("position", 0))
    return tuple(_diagnostic(e.payload) for e in ordered), u.utc(found[0].at) if found else ""


def _diagnostic(p: Mapping[str, Any]) -> Diagnostic:
    params = ", ".join(f"{k}={v}" for k, v in sorted(p.get("params", {}).items()) if v) or "any labels"
    rows, status = p.get("rows", []), p.get("status")
    if status == "ok" and rows:
        table = Table(tuple(p.get("columns", [])), tuple(tuple(u.cell(v) for v in row) for row in rows))
        return Diagnostic(str(p.get("title")), str(p.get("query")), f"Ran with {params}.", table)
    outcome = "no rows" if status == "ok" else f"{status}, {p.get('message')}"
    return Diagnostic(str(p.get("title")), str(p.get("query")), f"Ran with {params}: {outcome}.", None)
