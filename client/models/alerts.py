"""Alerts: current instances, their transitions, the rules and their health, silences, and backtests."""

from __future__ import annotations

from typing import Any, Literal

from client.models.wire import Timestamp, Window, Wire


class AlertInstance(Wire):
    """One alert instance (a rule and a label set) that is pending, firing, or recently resolved."""

    rule: str
    fingerprint: str
    status: Literal["pending", "firing", "resolved"]
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float | None
    threshold: float | None
    evidence: dict[str, Any]
    runbook: str  # '' when the rule names none; `id` or `id@version`
    active_since: Timestamp | None  # the evaluation that first saw this episode (pending since)
    firing_since: Timestamp | None
    last_active_at: Timestamp | None
    resolved_at: Timestamp | None
    updated_at: Timestamp
    silenced_by: list[str]  # ids of the active silences that mute it
    inhibited_by: list[str]  # fingerprints of the firing alerts that inhibit it


class Alerts(Wire):
    """GET /api/v1/alerts: the instances, firing first."""

    at: Timestamp
    alerts: list[AlertInstance]


class AlertEvent(Wire):
    """One transition of an instance's state machine."""

    at: Timestamp
    rule: str
    fingerprint: str
    labels: dict[str, str]
    severity: str
    from_status: Literal["inactive", "pending", "firing", "resolved"]
    to_status: Literal["inactive", "pending", "firing", "resolved"]
    value: float | None
    annotations: dict[str, str]


class AlertHistory(Window):
    """GET /api/v1/alerts/history: transitions in the range, newest first."""

    events: list[AlertEvent]


class RuleHealth(Wire):
    """A rule's last evaluation."""

    evaluated_at: Timestamp
    seconds: float  # including the query it shares with the other rules of its detector
    instances: int  # active instances it found
    error: str  # '' when it was evaluated; else why not (its instances stayed as they were)


class RuleInfo(Wire):
    name: str
    file: str
    line: int
    kind: str  # "detector <name>" or "sql"
    detector: str | None
    params: dict[str, Any]
    sql: str | None
    for_seconds: float
    keep_firing_for_seconds: float
    severity: Literal["critical", "warning", "info"]
    labels: dict[str, str]  # as written (templates)
    annotations: dict[str, str]
    runbook: str | None
    group_by: list[str] | None
    last_evaluation: RuleHealth | None  # None: not evaluated yet (or by another process that has not yet)


class Rules(Wire):
    """GET /api/v1/rules: the rules in force; `error` says why an edited file was not loaded."""

    version: str
    files: list[str]
    error: str
    loaded_at: Timestamp
    rules: list[RuleInfo]


class SilenceInfo(Wire):
    id: str
    matchers: list[str]
    starts_at: Timestamp
    ends_at: Timestamp
    created_by: str
    comment: str
    expired_at: Timestamp | None
    updated_at: Timestamp
    state: Literal["pending", "active", "expired"]


class Silences(Wire):
    """GET /api/v1/silences: every silence, newest start first."""

    silences: list[SilenceInfo]


class SilenceRequest(Wire):
    """The body of POST /api/v1/silences. `starts_at` defaults to now; give `ends_at` or a `duration` (2h)."""

    matchers: list[str]
    created_by: str
    comment: str
    starts_at: str | None = None  # RFC 3339 or now
    ends_at: str | None = None
    duration: str | None = None  # Prometheus-style: 30m, 2h, 1d


class BacktestRequest(Wire):
    """The body of POST /api/v1/rules/backtest: a rule file's text, and the range to replay."""

    text: str
    file: str = "backtest.yaml"  # the name problems are reported under
    rule: str | None = None  # only this rule of the file
    since: str = "7d"
    until: str = "now"
    step: str = "1m"


class Episode(Wire):
    start: Timestamp
    end: Timestamp | None  # None: still open at the end of the range


class BacktestInstance(Wire):
    fingerprint: str
    labels: dict[str, str]
    fired: int
    firing_seconds: float
    max_value: float | None
    pending: list[Episode]
    firing: list[Episode]


class BacktestRule(Wire):
    rule: str
    evaluations: int
    fired: int  # times an instance started firing
    firing_seconds: float  # summed over instances
    instances: list[BacktestInstance]


class BacktestResult(Window):
    """POST /api/v1/rules/backtest: each rule's instances with their pending and firing episodes."""

    step_seconds: float
    rules: list[BacktestRule]
