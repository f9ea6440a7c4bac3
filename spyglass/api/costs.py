"""Costs: spend over time, breakdowns with unit economics, unpriced calls, budgets, the catalog, reprice.

Money leaves the API as decimal strings ("0.0065"), never floats (client/models/wire.py): a
float cannot hold every cent of a large total, and clients that need arithmetic parse it as a
decimal. The price catalog, the budgets and the self-hosted providers come from the ApiContext.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query

from client.models.costs import (
    BreakdownRow,
    Budgets,
    BudgetStatus,
    CatalogStatus,
    CostBreakdown,
    CostFigures,
    CostTimeseries,
    RepriceRequest,
    RepriceResult,
    Unpriced,
)
from pipelines.costs.budgets import SCOPES, BudgetEvaluation, evaluate
from pipelines.costs.catalog_source import CatalogSource
from pipelines.costs.reprice import reprice
from spyglass.api.common import Strings, filters, json_rows, nice_step
from spyglass.api.context import ApiContext, ContextDep, StoreDep
from spyglass.timerange import parse_time, rfc3339
from store.errors import BadInput, StoreUnavailable
from store.queries import spend

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


def _cost_filters(since, until, project, service, model, environment, team, feature, user, provider, **kw):
    return filters(since, until, project, service, model, environment=environment, team=team, feature=feature,
                   user=user, provider=provider, **kw)


def _by(value: str) -> list[str]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in spend.DIMENSIONS]
    if not names or unknown or len(names) > 3 or len(set(names)) != len(names):
        raise BadInput(f"by: one to three distinct of {', '.join(spend.DIMENSIONS)}")
    return names


@router.get("/costs/timeseries")
def cost_timeseries(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = None,
                    service: Strings = None, model: Strings = None, environment: Strings = None,
                    team: Strings = None, feature: Strings = None, user: Strings = None, provider: Strings = None,
                    by: str | None = None, step: Annotated[int | None, Query(ge=HOUR, le=31 * 86400)] = None,
                    top: Annotated[int, Query(ge=1, le=50)] = 8) -> CostTimeseries:
    """Spend per bucket (whole hours), split by a dimension into the costliest `top` groups and "other"."""
    f = _cost_filters(since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=7))
    if by is not None:
        _by(by)
    step = step or max(HOUR, nice_step((f.until - f.since).total_seconds()))
    if step % HOUR:
        raise BadInput("step: must be a whole number of hours (the rollup's grain)")
    return CostTimeseries.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step,
                                          "by": by, "points": json_rows(spend.timeseries(store, f, step, by, top))})


# Unset fields are left out: a row carries only its `by` dimensions, and `users` only when asked for.
@router.get("/costs/breakdown", response_model_exclude_unset=True)
def cost_breakdown(store: StoreDep, by: str = "model", since: str | None = None, until: str | None = None,
                   project: Strings = None, service: Strings = None, model: Strings = None,
                   environment: Strings = None, team: Strings = None, feature: Strings = None, user: Strings = None,
                   provider: Strings = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                   users: bool = False) -> CostBreakdown:
    """Spend per group of `by` (up to three dimensions, costliest first) with unit economics and shares.

    `users=true` adds the exact distinct-user count and cost per user: merging exact user sets
    costs several times the rest of the query, so it is asked for, not paid on every call.
    """
    names = _by(by)
    f = _cost_filters(since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=30))
    rows, total = spend.breakdown(store, f, names, limit, users)

    def row_of(row: dict[str, Any]) -> BreakdownRow:
        share = (row["cost"] / total["cost"]).quantize(SHARE) if total["cost"] else None
        return BreakdownRow.model_validate({**row, **unit_economics(row), "share": share})

    return CostBreakdown(since=rfc3339(f.since), until=rfc3339(f.until), by=names, rows=[row_of(r) for r in rows],
                         totals=CostFigures.model_validate({**total, **unit_economics(total)}))


@router.get("/costs/unpriced")
def cost_unpriced(context: ContextDep, since: str | None = None, until: str | None = None, project: Strings = None,
                  service: Strings = None, model: Strings = None, provider: Strings = None) -> Unpriced:
    """Calls stored without a price (no catalog entry, or inconsistent tokens), by model and reason.

    Calls of self-hosted providers (vLLM, TGI, ...) have no token price by design: their cost
    is GPU time (/api/v1/gpu/costs), so they are counted apart in `self_hosted_calls`.
    """
    f = filters(since, until, project, service, model, default_lookback=timedelta(days=7), provider=provider)
    groups = spend.unpriced(context.store, f)
    rows = [r for r in groups if r["provider"].lower() not in context.self_hosted_providers]
    for row in rows:
        row["first_seen"], row["last_seen"] = rfc3339(row["first_seen"]), rfc3339(row["last_seen"])
    return Unpriced.model_validate({"since": rfc3339(f.since), "until": rfc3339(f.until),
                                    "calls": sum(r["calls"] for r in rows), "groups": rows,
                                    "self_hosted_calls": sum(r["calls"] for r in groups if r not in rows)})


def _catalog_source(context: ApiContext) -> CatalogSource:
    if context.catalog_source is None:
        raise StoreUnavailable("this process has no price catalog (it runs neither the api nor the scheduler role)")
    return context.catalog_source


@router.get("/costs/catalog")
def cost_catalog(context: ContextDep) -> CatalogStatus:
    """The catalog version in use, its entry count and files, and why an edited file was not loaded."""
    return CatalogStatus.model_validate(_catalog_source(context).status(), from_attributes=True)


@router.post("/costs/reprice")
def cost_reprice(context: ContextDep, body: RepriceRequest) -> RepriceResult:
    """Re-price the calls of [since, until) with the current catalog; old costs stay in the history."""
    now = datetime.now(timezone.utc)
    since, until = parse_time(body.since, now, "since"), parse_time(body.until, now, "until")
    result = reprice(context.store, _catalog_source(context).current(), since, until, now)
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
def budgets(context: ContextDep) -> Budgets:
    """Each configured budget: month-to-date, month-end forecast (weekday-seasonal), states."""
    now = datetime.now(timezone.utc)
    history_start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=35)
    evaluations = [evaluate(b, spend.daily_spend(context.store, SCOPES[b.scope], b.value, history_start,
                                                 now + timedelta(hours=1)), now) for b in context.budgets]
    return Budgets(at=rfc3339(now), budgets=[budget_status(e) for e in evaluations])
