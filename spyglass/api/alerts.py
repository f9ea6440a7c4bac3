"""Alerts: the instances now (with what mutes them), their transitions, the rules with their health, backtests.

Instances and history are read from the store, so any API process answers them; the rules
are the ones this process loaded (`ApiContext.rules`), and their last evaluation comes from
the `alert_rule_health` table the scheduler writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query

from alerts.backtest import BacktestReport, Interval, backtest
from alerts.durations import parse_duration
from alerts.mute import mutings
from alerts.persistence import AlertStore
from alerts.rule_source import RuleSource
from alerts.rules import Rule, check_text
from alerts.sql_rules import probe
from alerts.state import AlertState
from client.models.alerts import AlertHistory, Alerts, BacktestRequest, BacktestResult, RuleInfo, Rules
from spyglass.api.common import Strings
from spyglass.api.context import ApiContext, ContextDep, StoreDep
from spyglass.api.scope import ScopeDep, matched_project
from spyglass.timerange import parse_time, rfc3339, time_range
from store.errors import BadInput, StoreUnavailable
from store.queries import alerts as q

router = APIRouter(prefix="/api/v1")
_ORDER = {"firing": 0, "pending": 1, "resolved": 2}
_SEVERITY = {"critical": 0, "warning": 1, "info": 2}


def _when(value: datetime | None) -> str | None:
    return rfc3339(value) if value else None


def _instance(state: AlertState, silenced_by: Sequence[str], inhibited_by: Sequence[str]) -> dict[str, Any]:
    return {"rule": state.rule, "fingerprint": state.fingerprint, "status": state.status,
            "severity": state.labels.get("severity", ""), "labels": dict(state.labels),
            "annotations": dict(state.annotations), "value": state.value, "threshold": state.threshold,
            "evidence": dict(state.evidence), "runbook": state.annotations.get("runbook", ""),
            "active_since": _when(state.active_since), "firing_since": _when(state.firing_since),
            "last_active_at": _when(state.last_active_at), "resolved_at": _when(state.resolved_at),
            "updated_at": _when(state.updated_at), "silenced_by": list(silenced_by),
            "inhibited_by": list(inhibited_by)}


@router.get("/alerts")
def list_alerts(context: ContextDep, scope: ScopeDep, status: Strings = None, rule: Strings = None,
                severity: Strings = None) -> Alerts:
    """Pending, firing and recently resolved instances (firing first, most severe first), each with the
    silences and firing alerts that mute it. A key scoped to projects sees the alerts whose `project` label is
    one of them (and of what mutes them, only what it sees)."""
    now = datetime.now(timezone.utc)
    db = AlertStore(context.store)
    states = list(db.states().values())
    muted = mutings(states, db.silences(active_at=now), context.inhibit_rules, now)
    seen = {s.fingerprint for s in states if scope.allows_labels(s.labels)}
    silences = {s.id for s in db.silences() if scope.allows(matched_project(s.matchers))}
    picked = [s for s in states if s.fingerprint in seen and (not status or s.status in status)
              and (not rule or s.rule in rule)
              and (not severity or s.labels.get("severity") in severity)]
    picked.sort(key=lambda s: (_ORDER[s.status], _SEVERITY.get(s.labels.get("severity", ""), 3), s.rule,
                               sorted(s.labels.items())))
    return Alerts.model_validate({"at": rfc3339(now), "alerts": [
        _instance(s, [i for i in muted[s.fingerprint].silenced_by if i in silences],
                  [f for f in muted[s.fingerprint].inhibited_by if f in seen]) for s in picked]})


@router.get("/alerts/history")
def alert_history(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
                  rule: str | None = None, fingerprint: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> AlertHistory:
    """Transitions in the range (default: the last 24 hours), newest first (of the key's projects, by the `project`
    label)."""
    start, end = time_range(since, until, timedelta(hours=24))
    rows = q.events(store, start, end, rule, fingerprint, limit, scope.narrow(None))
    for row in rows:
        row["at"] = rfc3339(row["at"])
    return AlertHistory.model_validate({"since": rfc3339(start), "until": rfc3339(end), "events": rows})


def _rules(context: ApiContext) -> RuleSource:
    if context.rules is None:
        raise StoreUnavailable("this process has no alert rules loaded (it runs neither the api nor the scheduler "
                               "role, or alerting is not wired in)")
    return context.rules


def rule_info(rule: Rule, health: dict[str, Any] | None) -> RuleInfo:
    last = None if health is None else {**{k: health[k] for k in ("seconds", "instances", "error")},
                                        "evaluated_at": rfc3339(health["evaluated_at"])}
    return RuleInfo.model_validate({
        "name": rule.name, "file": rule.file, "line": rule.line, "kind": rule.kind, "detector": rule.detector,
        "params": dict(rule.raw_params), "sql": rule.sql, "for_seconds": rule.for_.total_seconds(),
        "keep_firing_for_seconds": rule.keep_firing_for.total_seconds(), "severity": rule.severity,
        "labels": {k: t.source for k, t in rule.labels.items()},
        "annotations": {k: t.source for k, t in rule.annotations.items()}, "runbook": rule.runbook,
        "group_by": list(rule.group_by) if rule.group_by is not None else None, "last_evaluation": last})


@router.get("/rules")
def list_rules(context: ContextDep, scope: ScopeDep) -> Rules:
    """The rules in force with their last evaluation; `error` says why an edited rule file was not loaded. The
    last evaluation counts every project's instances: a key scoped to projects gets the rules without it."""
    source = _rules(context)
    status, ruleset = source.status(), source.current()
    health = {row["rule"]: row for row in q.rule_health(context.store)} if scope.everything else {}
    return Rules(version=status.version, files=list(status.files), error=status.error,
                 loaded_at=rfc3339(status.loaded_at), rules=[rule_info(r, health.get(r.name)) for r in ruleset.rules])


def _episodes(intervals: Sequence[Interval]) -> list[dict[str, str | None]]:
    return [{"start": rfc3339(i.start), "end": _when(i.end)} for i in intervals]


def _report(report: BacktestReport) -> dict[str, Any]:
    return {"rule": report.rule, "evaluations": report.evaluations, "fired": report.fired,
            "firing_seconds": report.firing_seconds,
            "instances": [{"fingerprint": i.fingerprint, "labels": dict(i.labels), "fired": i.fired,
                           "firing_seconds": i.firing_seconds(report.until), "max_value": i.max_value,
                           "pending": _episodes(i.pending), "firing": _episodes(i.firing)}
                          for i in report.instances]}


@router.post("/rules/backtest")
def backtest_rules(context: ContextDep, scope: ScopeDep, body: BacktestRequest) -> BacktestResult:
    """Replay the rules of a rule file (or one of them) over stored history; nothing is written or sent.
    A file with problems is refused with every `file:line:` problem. A rule's query reads any project, so a
    backtest needs a key of every project."""
    scope.require(None, "a backtest (its rules' queries read every project)")
    now = datetime.now(timezone.utc)
    since, until = parse_time(body.since, now, "since"), parse_time(body.until, now, "until")
    try:
        step = parse_duration(body.step)
    except ValueError as exc:
        raise BadInput(f"step: {exc}") from None
    defaults = context.rules.defaults if context.rules else {}
    rules, problems = check_text(body.text, body.file, context.detectors, probe(context.store), defaults)
    if problems:
        raise BadInput("; ".join(problems))
    if body.rule is not None:
        rules = [r for r in rules if r.name == body.rule]
        if not rules:
            raise BadInput(f"rule: {body.file} has no rule named {body.rule!r}")
    if not rules:
        raise BadInput(f"{body.file} has no rules to backtest")
    reports = [_report(backtest(rule, context.detectors, context.store, since, until, step)) for rule in rules]
    return BacktestResult.model_validate({"since": rfc3339(since), "until": rfc3339(until),
                                          "step_seconds": step.total_seconds(), "rules": reports})
