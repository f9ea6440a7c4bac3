"""Costs: spend over time, breakdowns with unit economics, unpriced calls, budgets, the catalog, reprice.

Money leaves the API as decimal strings ("0.0065"), never floats: a float cannot hold
every cent of a large total, and clients that need arithmetic parse it as a decimal.
The price catalog and the budgets are the service's (`app.state.catalog_source`,
`app.state.budgets`, set by the service after `build_api`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from pipelines.costs.budgets import SCOPES, Budget, evaluate
from pipelines.costs.catalog_source import CatalogSource
from pipelines.costs.reprice import reprice
from spyglass.api.common import Strings, filters, get_store, json_rows, nice_step
from spyglass.timerange import parse_time, rfc3339
from store.base import Store
from store.errors import BadInput, StoreUnavailable
from store.queries import spend

router = APIRouter(prefix="/api/v1")
StoreDep = Annotated[Store, Depends(get_store)]
UNIT = Decimal("0.000000000001")
HOUR = 3600


def money(value: Any) -> Any:
    """A Decimal as plain decimal text without trailing zeros; anything else unchanged."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    return value


def _ratio(amount: Decimal, count: int) -> str | None:
    return money((amount / count).quantize(UNIT)) if count else None


def unit_economics(row: dict[str, Any]) -> dict[str, Any]:
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
def cost_timeseries(store: StoreDep, since: str | None = None, until: str | None = None, project: Strings = [],
                    service: Strings = [], model: Strings = [], environment: Strings = [], team: Strings = [],
                    feature: Strings = [], user: Strings = [], provider: Strings = [], by: str | None = None,
                    step: Annotated[int | None, Query(ge=HOUR, le=31 * 86400)] = None,
                    top: Annotated[int, Query(ge=1, le=50)] = 8) -> dict[str, Any]:
    """Spend per bucket (whole hours), split by a dimension into the costliest `top` groups and "other"."""
    f = _cost_filters(since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=7))
    if by is not None:
        _by(by)
    step = step or max(HOUR, nice_step((f.until - f.since).total_seconds()))
    if step % HOUR:
        raise BadInput("step: must be a whole number of hours (the rollup's grain)")
    points = [{k: money(v) for k, v in row.items()} for row in json_rows(spend.timeseries(store, f, step, by, top))]
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "step_seconds": step, "by": by, "points": points}


@router.get("/costs/breakdown")
def cost_breakdown(store: StoreDep, by: str = "model", since: str | None = None, until: str | None = None,
                   project: Strings = [], service: Strings = [], model: Strings = [], environment: Strings = [],
                   team: Strings = [], feature: Strings = [], user: Strings = [], provider: Strings = [],
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 100, users: bool = False) -> dict[str, Any]:
    """Spend per group of `by` (up to three dimensions, costliest first) with unit economics and shares.

    `users=true` adds the exact distinct-user count and cost per user: merging exact user sets
    costs several times the rest of the query, so it is asked for, not paid on every call.
    """
    names = _by(by)
    f = _cost_filters(since, until, project, service, model, environment, team, feature, user, provider,
                      default_lookback=timedelta(days=30))
    rows, total = spend.breakdown(store, f, names, limit, users)
    out = []
    for row in rows:
        share = (row["cost"] / total["cost"]).quantize(Decimal("0.0001")) if total["cost"] else None
        out.append({**{k: money(v) for k, v in row.items()}, **unit_economics(row), "share": money(share)})
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "by": names, "rows": out,
            "totals": {**{k: money(v) for k, v in total.items()}, **unit_economics(total)}}


@router.get("/costs/unpriced")
def cost_unpriced(request: Request, store: StoreDep, since: str | None = None, until: str | None = None,
                  project: Strings = [], service: Strings = [], model: Strings = [],
                  provider: Strings = []) -> dict[str, Any]:
    """Calls stored without a price (no catalog entry, or inconsistent tokens), by model and reason.

    Calls of self-hosted providers (vLLM, TGI, ...) have no token price by design: their cost
    is GPU time (/api/v1/gpu/costs), so they are counted apart in `self_hosted_calls`.
    """
    f = filters(since, until, project, service, model, default_lookback=timedelta(days=7), provider=provider)
    self_hosted = {p.lower() for p in getattr(request.app.state, "self_hosted_providers", ())}
    groups = spend.unpriced(store, f)
    rows = [r for r in groups if r["provider"].lower() not in self_hosted]
    for row in rows:
        row["first_seen"], row["last_seen"] = rfc3339(row["first_seen"]), rfc3339(row["last_seen"])
    return {"since": rfc3339(f.since), "until": rfc3339(f.until), "calls": sum(r["calls"] for r in rows),
            "groups": rows, "self_hosted_calls": sum(r["calls"] for r in groups if r not in rows)}


def _catalog_source(request: Request) -> CatalogSource:
    source = getattr(request.app.state, "catalog_source", None)
    if source is None:
        raise StoreUnavailable("this process has no price catalog (it runs neither the api nor the scheduler role)")
    return source


@router.get("/costs/catalog")
def cost_catalog(request: Request) -> dict[str, Any]:
    """The catalog version in use, its entry count and files, and why an edited file was not loaded."""
    return _catalog_source(request).status().as_dict()


class RepriceRequest(BaseModel):
    since: str
    until: str


@router.post("/costs/reprice")
def cost_reprice(request: Request, store: StoreDep, body: RepriceRequest) -> dict[str, Any]:
    """Re-price the calls of [since, until) with the current catalog; old costs stay in the history."""
    now = datetime.now(timezone.utc)
    since, until = parse_time(body.since, now, "since"), parse_time(body.until, now, "until")
    return reprice(store, _catalog_source(request).current(), since, until, now).as_dict()


@router.get("/budgets")
def budgets(request: Request, store: StoreDep) -> dict[str, Any]:
    """Each configured budget: month-to-date, month-end forecast (weekday-seasonal), states."""
    now = datetime.now(timezone.utc)
    configured: list[Budget] = getattr(request.app.state, "budgets", [])
    history_start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=35)
    out = [evaluate(b, spend.daily_spend(store, SCOPES[b.scope], b.value, history_start, now + timedelta(hours=1)),
                    now) for b in configured]
    return {"at": rfc3339(now), "budgets": out}
