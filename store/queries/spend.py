"""Read-side FinOps queries: spend over time, breakdowns with unit economics, unpriced calls, daily spend.

Spend comes from the hourly rollups (FINAL: the latest aggregate of each hour), so a
30-day breakdown reads rollup rows, not millions of calls: `cost_hourly`, or
`cost_user_hourly` when a question names users (see migration 6). The grain is the hour:
a time range is widened to whole hours. Unpriced calls are read from `request_costs`
because the rollups do not keep the reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.errors import BadInput
from store.queries.costs import ns
from store.queries.filters import Filters

# API name -> cost_hourly column, for `by=` and filters.
DIMENSIONS = {"project": "project", "service": "service_name", "environment": "environment", "team": "team",
              "feature": "feature", "user": "user_id", "provider": "provider", "model": "model"}
_HOUR = "DateTime('UTC')"
_NS = "DateTime64(9, 'UTC')"


def _hour(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:00:00")


def table_for(f: Filters, by: list[str]) -> str:
    """The rollup that can answer: the per-user one only when users are asked for."""
    if "user" not in by and not f.extra.get("user"):
        return "cost_hourly"
    if "environment" in by or f.extra.get("environment"):
        raise BadInput("environment cannot be combined with user (the per-user rollup has no environment)")
    return "cost_user_hourly"


def _users(table: str) -> str:
    return "uniqExactMerge(users)" if table == "cost_hourly" else "uniqExactIf(user_id, user_id != '')"


def where(f: Filters, per_call: bool = False) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over `cost_hourly` for the hours that overlap [since, until), or with
    `per_call` over `request_costs` for [since, until) exactly (both have the same dimensions)."""
    if per_call:
        clauses = [f"timestamp >= {{since:{_NS}}}", f"timestamp < {{until:{_NS}}}"]
        params: dict[str, Any] = {"since": ns(f.since), "until": ns(f.until)}
    else:
        clauses = [f"hour >= {{since:{_HOUR}}}", f"hour < {{until:{_HOUR}}}"]
        whole = f.until == f.until.replace(minute=0, second=0, microsecond=0)
        params = {"since": _hour(f.since), "until": _hour(f.until if whole else f.until + timedelta(hours=1))}
    chosen = {"project": f.projects, "service": f.services, "model": f.models, **f.extra}
    for name, values in sorted(chosen.items()):
        if not values:
            continue
        if name not in DIMENSIONS:
            raise ValueError(f"not a cost dimension: {name}")
        clauses.append(f"{DIMENSIONS[name]} IN {{f_{name}:Array(String)}}")
        params[f"f_{name}"] = list(values)
    return " AND ".join(clauses), params


def timeseries(store: Store, f: Filters, step: int, by: str | None, top: int = 8) -> pa.Table:
    """Spend per time bucket, split by `by` into the `top` costliest groups plus "other"."""
    clause, params = where(f)
    table = table_for(f, [by] if by else [])
    params["step"] = step
    group = "''"
    if by is not None:
        column = DIMENSIONS[by]
        params["top"] = top
        group = (f"if({column} IN (SELECT {column} FROM {table} FINAL WHERE {clause} GROUP BY {column} "
                 f"ORDER BY sum(cost_total) DESC LIMIT {{top:UInt32}}), {column}, 'other')")
    return store.query_arrow(f"""
SELECT toDateTime64(toStartOfInterval(hour, toIntervalSecond({{step:UInt32}})), 0, 'UTC') AS bucket, {group} AS group,
    sum(cost_total) AS cost, sum(calls) AS calls, sum(unpriced_calls) AS unpriced_calls
FROM {table} FINAL
WHERE {clause}
GROUP BY bucket, group
ORDER BY bucket, group""", params)


def breakdown(store: Store, f: Filters, by: list[str], limit: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Spend and unit economics per group of `by` (costliest first), and the totals of the range."""
    clause, params = where(f)
    table = table_for(f, by)
    columns = [DIMENSIONS[name] for name in by]
    measures = f"""sum(cost_total) AS cost, sum(successful_cost) AS successful_cost, sum(calls) AS calls,
    sum(successful_calls) AS successful_calls, sum(priced_calls) AS priced_calls,
    sum(unpriced_calls) AS unpriced_calls, sum(flagged_calls) AS flagged_calls,
    sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    {_users(table)} AS users"""
    select = ", ".join(f"{c} AS {name}" for c, name in zip(columns, by))
    params["limit"] = limit
    rows = query_rows(store, f"""
SELECT {select}, {measures}
FROM {table} FINAL WHERE {clause}
GROUP BY {", ".join(columns)}
ORDER BY cost DESC, calls DESC
LIMIT {{limit:UInt32}}""", params)
    [total] = query_rows(store, f"SELECT {measures} FROM {table} FINAL WHERE {clause}", params)
    return rows, total


def unpriced(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Calls stored without a price in the range, by provider, model and reason."""
    clause, params = where(f, per_call=True)
    return query_rows(store, f"""
SELECT provider, model, reason, count() AS calls, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
    groupUniqArray(5)(service_name) AS services
FROM request_costs FINAL
WHERE NOT priced AND {clause}
GROUP BY provider, model, reason
ORDER BY calls DESC""", params)


def daily_spend(store: Store, column: str, value: str, since: datetime, until: datetime) -> dict[Any, Decimal]:
    """Spend per UTC day of the calls whose `column` equals `value` (a budget's scope)."""
    table = "cost_user_hourly" if column == "user_id" else "cost_hourly"
    rows = query_rows(store, f"""
SELECT toDate(hour) AS day, sum(cost_total) AS cost
FROM {table} FINAL
WHERE hour >= {{since:{_HOUR}}} AND hour < {{until:{_HOUR}}} AND {column} = {{value:String}}
GROUP BY day""", {"since": _hour(since), "until": _hour(until), "value": value})
    return {r["day"]: r["cost"] for r in rows}
