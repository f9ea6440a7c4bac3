"""Costs: spend over time, breakdowns with unit economics, unpriced calls, budgets, the catalog, reprice."""

from __future__ import annotations

from typing import Literal

from client.models.wire import DecimalText, Money, Timestamp, Window, Wire

BudgetState = Literal["ok", "soft", "hard"]


class CostPoint(Wire):
    bucket: Timestamp
    group: str  # the `by` value, "other" for the groups beyond `top`, '' without `by`
    cost: Money  # token_cost + gpu_cost
    token_cost: Money
    gpu_cost: Money
    calls: int
    unpriced_calls: int


class IdlePoint(Wire):
    bucket: Timestamp
    idle: Money


class CostTimeseries(Window):
    """GET /api/v1/costs/timeseries: spend per bucket (whole hours), split into the costliest groups.

    `idle` is the GPU cost no call used, per bucket, apart from the spend; None when the filters name
    something idle GPU time does not belong to (a service, model, team, ...: only projects).
    """

    step_seconds: int
    by: str | None
    points: list[CostPoint]
    idle: list[IdlePoint] | None


class CostFigures(Wire):
    """Spend and unit economics of a group (or of the whole range).

    Spend (`cost`) is the token cost of the calls no GPU host served plus the GPU cost allocated to
    the calls GPU hosts served (`gpu_calls`); a call has a price when its token price or its GPU
    host-hour has one. `users` is sent only when asked for (`users=true`); `cost_per_user` is None then.
    """

    cost: Money
    token_cost: Money
    gpu_cost: Money
    successful_cost: Money
    calls: int
    successful_calls: int
    priced_calls: int
    unpriced_calls: int
    gpu_calls: int
    flagged_calls: int
    input_tokens: int
    output_tokens: int
    users: int | None = None
    cost_per_request: Money | None
    cost_per_1k_tokens: Money | None
    cost_per_successful_request: Money | None  # all spend / successful requests
    cost_per_user: Money | None


class BreakdownRow(CostFigures):
    """One group: its value of each `by` dimension (only those are sent), its figures and its share of the spend."""

    project: str | None = None
    service: str | None = None
    environment: str | None = None
    team: str | None = None
    feature: str | None = None
    user: str | None = None
    provider: str | None = None
    model: str | None = None
    share: DecimalText | None  # of the range's spend, 0-1 to four places

    def group(self, dimension: str) -> str:
        """This row's value of a `by` dimension ('' when it has none)."""
        return getattr(self, dimension) or ""


class HostIdle(Wire):
    """One GPU host's idle cost over the range: GPU time no call used (None when no hour of it had a price)."""

    host_name: str
    gpu_cost: Money | None
    idle: Money | None
    unpriced_hours: int


class IdleCost(Wire):
    """Idle GPU cost, apart from the spend: it belongs to no call, so it is never spread over them."""

    cost: Money
    hosts: list[HostIdle]


class CostBreakdown(Window):
    """GET /api/v1/costs/breakdown: spend per group of `by`, costliest first, the range's totals, and the idle
    GPU cost apart (None when the filters name something idle GPU time does not belong to: only projects).

    totals.cost + idle.cost is what the FOCUS export of the same hours bills.
    """

    by: list[str]
    rows: list[BreakdownRow]
    totals: CostFigures
    idle: IdleCost | None


class UnpricedGroup(Wire):
    provider: str
    model: str
    reason: str
    calls: int
    first_seen: Timestamp
    last_seen: Timestamp
    services: list[str]  # up to five


class Unpriced(Window):
    """GET /api/v1/costs/unpriced: calls without a price, by provider, model and reason.

    A call GPU hosts served is priced by their GPU time: counted in `self_hosted_calls`, not here,
    unless its host-hour has no GPU price.
    """

    calls: int
    groups: list[UnpricedGroup]
    self_hosted_calls: int  # priced by GPU time (/api/v1/gpu/costs)


class BudgetStatus(Wire):
    """Where one budget stands: month to date and forecast (in cents), the share used, both states."""

    name: str
    scope: Literal["project", "team", "feature", "user"]
    value: str
    currency: str
    monthly: Money
    soft_threshold: DecimalText  # fractions of `monthly`
    hard_threshold: DecimalText
    month_to_date: Money
    forecast_month_end: Money
    forecast_method: Literal["seasonal-trend", "trend", "flat", "none"]
    used: DecimalText  # month to date / monthly
    remaining: Money
    state: BudgetState           # from month to date
    forecast_state: BudgetState  # from the month-end forecast


class Budgets(Wire):
    """GET /api/v1/budgets: every configured budget at `at`."""

    at: Timestamp
    budgets: list[BudgetStatus]


class CatalogStatus(Wire):
    """GET /api/v1/costs/catalog: the price catalog in use; `error` says why an edited file was not loaded."""

    version: str
    entries: int
    files: list[str]
    error: str


class RepriceRequest(Wire):
    """The body of POST /api/v1/costs/reprice: RFC 3339 times, `now`, or look-backs such as 7d."""

    since: str
    until: str


class RepriceResult(Wire):
    """POST /api/v1/costs/reprice: what re-pricing [since, until) with the current catalog changed."""

    since: Timestamp
    until: Timestamp
    catalog_version: str
    repriced: int  # calls priced again (their cost was made under another version)
    changed: int   # of which the cost changed
    total_before: Money
    total_after: Money
