"""Costs: spend over time, breakdowns with unit economics, unpriced calls, budgets, the catalog, reprice.

Spend is one number everywhere: token cost of the calls no GPU host served + GPU cost allocated to
the calls GPU hosts served (store/queries/call_spend.py, the FOCUS export's rule), with the split in
every row, total and point. Idle GPU cost belongs to no call: it is reported apart (per host and as
a total), never spread. Money leaves the API as decimal strings ("0.0065"), never floats
(client/models/wire.py): a float cannot hold every cent of a large total, and clients that need
arithmetic parse it as a decimal. The price catalog, the budgets and the self-hosted providers come
from the ApiContext.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from client.models.costs import (
    BreakdownRow,
    Budgets,
    BudgetStatus,
    CatalogStatus,
    CostBreakdown,
    CostFigures,
    CostTimeseries,
    IdleCost,
    RepriceRequest,
    RepriceResult,
    Unpriced,
)
from pipelines.costs.budgets import SCOPES, BudgetEvaluation, evaluate
from pipelines.costs.catalog_source import CatalogSource
from pipelines.costs.reprice import reprice
from spyglass.api.common import Strings, cost_filters, filters, json_rows, nice_step
from spyglass.api.context import ApiContext, ContextDep, StoreDep
from spyglass.api.scope import ScopeDep
from spyglass.timerange import parse_time, rfc3339
from store import queries
from store.base import Store
from store.errors import BadInput, StoreUnavailable
from store.queries import gpu_costs, spend
from store.queries.filters import Filters

router = APIRouter(prefix="/api/v1")
UNIT = Decimal("0.000000000001")
SHARE = Decimal("0.0001")
HOUR = 3600


def _ratio(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(UNIT) if count else None


def unit_economics(row: dict[str, Any]) -> dict[str, Decimal | None]:
    """Cost per request, per 1,000 tokens, per successful request (all spend / successes), per user."""
    cost, tokens = row["cost"], row["input_tokens"] + row["output_tokens"]
    return {"cost_per_request": _ratio(cost, row["calls"]),
            "cost_per_1k_tokens": _ratio(cost * 1000, tokens),
            "cost_per_successful_request": _ratio(cost, row["successful_calls"]),
            "cost_per_user": _ratio(cost, row["users"]) if "users" in row else None}


def _cost_filters(scope, since, until, project, service, model, environment, team, feature, user, provider, **kw):
    return filters(scope, since, until, project, service, model, environment=environment, team=team, feature=feature,
                   user=user, provider=provider, **kw)


def _idle_window(f: Filters) -> Filters | None:
    """The filters idle GPU cost answers to: the spend's whole hours and projects, or None when the filters
    name a service, model, team, ... (idle time belongs to none of them)."""
    if f.services or f.models or f.extra:
        return None
    start, end = spend.hour_window(f)
    return Filters(start, end, projects=f.projects)


def idle_cost(store: Store, f: Filters) -> IdleCost | None:
    """Idle GPU cost of the range, per host and in total (priced host-hours only)."""
    window = _idle_window(f)
    if window is None:
        return None
    hosts = [h for h in _host_rows(store, window) if h["gpu_cost"] is not None or h["unpriced_hours"]]
    return IdleCost.model_validate({"cost": sum((h["idle"] or Decimal(0) for h in hosts), Decimal(0)),
                                    "hosts": sorted(hosts, key=lambda h: (-(h["idle"] or 0), h["host_name"]))})


def _host_rows(store: Store, window: Filters, step: int | None = None) -> list[dict[str, Any]]:
    return json_rows(gpu_costs.host_costs(store, window, step))


def _by(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in spend.DIMENSIONS]
    if not names or unknown or len(names) > 3 or len(set(names)) != len(names):
        raise BadInput(f"by: one to three distinct of {', '.join(spend.DIMENSIONS)}")
    return names


@router.get("/costs/timeseries")
def cost_timeseries(store: StoreDep, scope: ScopeDep, since: str | None = None, until: str | None = None,
                    project: Strings = None, service: Strings = None, model: Strings = None,
                    environment: Strings = None, team: Strings = None, feature: Strings = None, user: Strings = None,
                    provider: Strings = None,
                    by: str | None = None, step: Annotated[int | None, Query(ge=HOUR, le=31 * 86400)] = None,
                    top: Annotated[int, Query(ge=1, le=50)] = 8) -> CostTimeseries:
    """Spend per bucket (whole hours), split by a dimension into the costliest `top` groups and "other"."""
    f = _cost_filters(scope, since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=7))
    if by is not None:
        _by(by)
    step = step or max(HOUR, nice_step((f.until - f.since).total_seconds()))
    if step % HOUR:
        raise BadInput("step: must be a whole number of hours (the rollup's grain)")
    window = _idle_window(f)
    idle = None if window is None else [{"bucket": h["bucket"], "idle": h["idle"] or Decimal(0)}
                                        for h in _idle_per_bucket(_host_rows(store, window, step))]
    return CostTimeseries.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step,
                                          "by": by, "points": json_rows(spend.timeseries(store, f, step, by, top)),
                                          "idle": idle})


def _idle_per_bucket(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-host rows of buckets summed per bucket."""
    out: dict[str, Decimal] = {}
    for row in rows:
        out[row["bucket"]] = out.get(row["bucket"], Decimal(0)) + (row["idle"] or Decimal(0))
    return [{"bucket": bucket, "idle": idle} for bucket, idle in sorted(out.items())]


# Unset fields are left out: a row carries only its `by` dimensions, and `users` only when asked for.
@router.get("/costs/breakdown", response_model_exclude_unset=True)
def cost_breakdown(store: StoreDep, scope: ScopeDep, by: str = "model", since: str | None = None,
                   until: str | None = None, project: Strings = None, service: Strings = None, model: Strings = None,
                   environment: Strings = None, team: Strings = None, feature: Strings = None, user: Strings = None,
                   provider: Strings = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                   users: bool = False) -> CostBreakdown:
    """Spend per group of `by` (up to three dimensions, costliest first) with unit economics and shares.

    `users=true` adds the exact distinct-user count and cost per user: merging exact user sets
    costs several times the rest of the query, so it is asked for, not paid on every call.
    """
    names = _by(by)
    f = _cost_filters(scope, since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=30))
    rows, total = spend.breakdown(store, f, names, limit, users)

    def row_of(row: dict[str, Any]) -> BreakdownRow:
        share = (row["cost"] / total["cost"]).quantize(SHARE) if total["cost"] else None
        return BreakdownRow.model_validate({**row, **unit_economics(row), "share": share})

    return CostBreakdown(since=rfc3339(f.since), until=rfc3339(f.until), by=names, rows=[row_of(r) for r in rows],
                         totals=CostFigures.model_validate({**total, **unit_economics(total)}),
                         idle=idle_cost(store, f))


@router.get("/costs/unpriced")
def cost_unpriced(context: ContextDep,
                  f: Annotated[queries.Filters, Depends(cost_filters(timedelta(days=7)))]) -> Unpriced:
    """Calls without a price (no catalog entry, inconsistent tokens, a GPU host without a GPU price, a
    self-hosted call on a host that sends no GPU samples), by model and reason.

    Calls GPU hosts served (vLLM, TGI, an OpenAI-compatible server, ...) are priced by their GPU time
    (/api/v1/gpu/costs): they are counted in `self_hosted_calls`, not as unpriced. Read through the spend rollup,
    so as fresh as the Costs tiles: calls priced since its last run (a minute by default) come at its next.
    """
    found = spend.unpriced(context.store, f, context.self_hosted_providers)
    rows = found.groups
    for row in rows:
        row["reason"] = row.pop("why")
        row["first_seen"], row["last_seen"] = rfc3339(row["first_seen"]), rfc3339(row["last_seen"])
    return Unpriced.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until),
                                    "calls": sum(r["calls"] for r in rows), "groups": rows,
                                    "self_hosted_calls": found.gpu_priced_calls})


def catalog_source(context: ApiContext) -> CatalogSource:
    if context.catalog_source is None:
        raise StoreUnavailable("this process has no price catalog (it runs neither the api nor the scheduler role)")
    return context.catalog_source


@router.get("/costs/catalog")
def cost_catalog(context: ContextDep) -> CatalogStatus:
    """The catalog version in use, its entry count and files, and why an edited file was not loaded."""
    return CatalogStatus.model_validate(catalog_source(context).status(), from_attributes=True)


@router.post("/costs/reprice")
def cost_reprice(context: ContextDep, scope: ScopeDep, body: RepriceRequest) -> RepriceResult:
    """Re-price the calls of [since, until) with the current catalog; old costs stay in the history. It re-prices
    every project's calls, so it needs a key of every project."""
    scope.require(None, "a reprice (of every project's calls)")
    now = datetime.now(timezone.utc)
    since, until = parse_time(body.since, now, "since"), parse_time(body.until, now, "until")
    result = reprice(context.store, catalog_source(context).current(), since, until, now)
    return RepriceResult(since=result.since.isoformat(), until=result.until.isoformat(),
                         catalog_version=result.catalog_version, repriced=result.repriced, changed=result.changed,
                         total_before=result.total_before, total_after=result.total_after)


def budget_status(e: BudgetEvaluation) -> BudgetStatus:
    b = e.budget
    return BudgetStatus(name=b.name, scope=b.scope, value=b.value, currency=b.currency, monthly=b.monthly,
                        soft_threshold=b.soft, hard_threshold=b.hard, month_to_date=e.month_to_date,
                        forecast_month_end=e.forecast_month_end, forecast_method=e.forecast_method, used=e.used,
                        remaining=e.remaining, state=e.state, forecast_state=e.forecast_state)


@router.get("/budgets")
def budgets(context: ContextDep, scope: ScopeDep) -> Budgets:
    """Each configured budget: month-to-date, month-end forecast (weekday-seasonal), states. A key scoped to
    projects sees the budgets of those projects (a team, feature or user budget spans projects)."""
    now = datetime.now(timezone.utc)
    history_start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=35)
    evaluations = [evaluate(b, spend.daily_spend(context.store, SCOPES[b.scope], b.value, history_start,
                                                 now + timedelta(hours=1)), now) for b in context.budgets
                   if scope.allows(b.value if b.scope == "project" else None)]
    return Budgets(at=rfc3339(now), budgets=[budget_status(e) for e in evaluations])
