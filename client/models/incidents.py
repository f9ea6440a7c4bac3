"""Incidents: the list, one incident with its timeline, impact, runbook steps and post-mortem fields, the
bodies that open, move and edit one, and the numbers across incidents (times to detect/acknowledge/mitigate/
resolve, dollars lost, open action items).

Request bodies refuse fields they do not know (a misspelt post-mortem field must not vanish silently).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from client.models.changes import ChangeVerdict
from client.models.wire import Money, Timestamp, Wire

Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
Status = Literal["triggered", "acknowledged", "mitigated", "resolved", "closed"]
Action = Literal["ack", "mitigate", "resolve", "close", "reopen"]


class RunbookPin(Wire):
    """The runbook version the incident follows, fixed when it opened."""

    id: str
    version: str
    content_sha256: str


class IncidentSummary(Wire):
    id: str  # INC-<n>
    number: int
    title: str
    severity: Severity
    status: Status
    source: Literal["alert", "manual"]
    service: str
    commander: str
    opened_by: str
    group_key: str  # the alert group it was opened for ('' when opened by hand)
    started_at: Timestamp
    detected_at: Timestamp
    acknowledged_at: Timestamp | None
    mitigated_at: Timestamp | None
    resolved_at: Timestamp | None
    closed_at: Timestamp | None
    updated_at: Timestamp
    runbook: RunbookPin | None
    extra_cost_usd: Money | None  # None until the impact is measured


class Incidents(Wire):
    """GET /api/v1/incidents: newest first."""

    incidents: list[IncidentSummary]


class WindowNumbers(Wire):
    """One window's numbers: the incident's, or the same window a week earlier."""

    requests: int
    errors: int
    error_rate: float | None
    p95_latency_ms: float | None
    cost_usd: Money
    unpriced_calls: int  # the cost is a lower bound when > 0
    evaluations: int
    pass_rate: float | None
    feedback: int
    positive_rate: float | None


class ErrorBudget(Wire):
    rule: str  # the error_burn_rate rule whose objective applies
    objective: float
    period_days: float
    period_requests: int
    burned: float | None  # share of the period's budget the incident's errors spent (1 = all of it)


class Impact(Wire):
    since: Timestamp
    until: Timestamp
    baseline_since: Timestamp
    baseline_until: Timestamp
    current: WindowNumbers
    baseline: WindowNumbers
    extra_cost_usd: Money
    pass_rate_change: float | None  # current - baseline
    positive_rate_change: float | None
    error_budget: ErrorBudget | None
    error_budget_note: str  # why it is unknown ('' when known)
    computed_at: Timestamp
    final: bool  # frozen at close


class LinkedAlert(Wire):
    rule: str
    fingerprint: str
    labels: dict[str, str]
    severity: str
    fired_at: Timestamp
    resolved_at: Timestamp | None


class StepState(Wire):
    number: int
    text: str
    checked: bool
    by: str | None  # who checked or unchecked it last
    at: Timestamp | None


class TimelineEntry(Wire):
    at: Timestamp
    kind: str
    actor: str
    text: str  # the line a person reads
    data: dict[str, Any]  # the event's details (a diagnostic's columns and rows, a transition's from and to)

    @property
    def change(self) -> TimelineChange | None:
        """A `change` entry's details, typed (None for other kinds)."""
        return TimelineChange.model_validate(self.data) if self.kind == "change" else None


class TimelineChange(Wire):
    """The `data` of a timeline entry of kind `change`: a change of the incident's service or models from 24 hours
    before it started to its opening, read when the incident is shown (so late reports and verdicts show).
    `position` orders them suspect first (failed verdicts, then marginal, then newest first); `suspect` marks the
    first when its verdict is fail or marginal."""

    id: str
    kind: str  # deploy, prompt, model, provider, config, price, flag
    project: str
    service: str
    model: str
    dimension: str
    subject: str
    from_value: str
    to_value: str
    source: str  # detected, reported
    author: str
    description: str
    link: str
    verdict: ChangeVerdict | None  # None: never analysed
    position: int
    suspect: bool


class ActionItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    owner: str
    due: date | None = None
    done: bool = False


class Postmortem(Wire):
    summary: str
    root_cause: str
    trigger: str
    resolution: str
    action_items: list[ActionItem]
    went_well: str
    went_badly: str
    got_lucky: str


class IncidentDetail(IncidentSummary):
    """GET /api/v1/incidents/{id}: the incident with everything known about it."""

    labels: dict[str, str]
    allowed_actions: list[Action]
    alerts: list[LinkedAlert]
    steps: list[StepState]  # of the pinned runbook version
    impact: Impact | None
    timeline: list[TimelineEntry]
    postmortem: Postmortem


class TransitionRefused(Wire):
    """409: the move is not allowed from the incident's status."""

    error: str
    status: Status
    allowed: list[Action]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OpenIncident(_Body):
    """POST /api/v1/incidents: open an incident by hand."""

    title: str
    severity: Severity
    by: str
    service: str = ""
    commander: str = ""
    runbook: str | None = None  # `id` or `id@version`: pinned now
    started_at: str | None = None  # RFC 3339 or a look-back (15m); default now


class TransitionBody(_Body):
    by: str
    note: str = ""


class NoteBody(_Body):
    by: str
    text: str


class EditIncident(_Body):
    """PATCH /api/v1/incidents/{id}: any of title, severity, commander."""

    by: str
    title: str | None = None
    severity: Severity | None = None
    commander: str | None = None


class StepBody(_Body):
    by: str
    checked: bool = True


class PostmortemPatch(_Body):
    """PATCH /api/v1/incidents/{id}/postmortem: the fields given replace the stored ones."""

    by: str
    summary: str | None = None
    root_cause: str | None = None
    trigger: str | None = None
    resolution: str | None = None
    action_items: list[ActionItem] | None = None
    went_well: str | None = None
    went_badly: str | None = None
    got_lucky: str | None = None


class PhaseTimes(Wire):
    count: int  # incidents that reached the milestone
    mean_seconds: float | None
    p90_seconds: float | None


class IncidentWeek(Wire):
    week: str  # its Monday, YYYY-MM-DD
    service: str
    severity: Severity
    incidents: int
    detect: PhaseTimes
    acknowledge: PhaseTimes
    mitigate: PhaseTimes
    resolve: PhaseTimes


class IncidentMonth(Wire):
    month: str  # YYYY-MM
    incidents: int
    extra_cost_usd: Money  # rises of spend only
    without_impact: int


class IncidentMetrics(Wire):
    """GET /api/v1/incidents/metrics."""

    since: Timestamp
    weeks: list[IncidentWeek]
    months: list[IncidentMonth]


class OpenActionItem(Wire):
    incident: str
    incident_title: str
    title: str
    owner: str
    due: str | None
    overdue: bool


class ActionItems(Wire):
    """GET /api/v1/action-items: every action item not done, soonest due first."""

    items: list[OpenActionItem]
