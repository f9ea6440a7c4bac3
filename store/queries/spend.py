"""Read-side FinOps queries: spend over time, breakdowns with unit economics, unpriced calls, daily spend.

Spend comes from the hourly rollup `cost_hourly` (FINAL: the latest aggregate of each
hour), so a 30-day breakdown reads rollup rows, not millions of calls; the grain is the
hour, so a time range is widened to whole hours. Questions per user read `request_costs`
(the rollup has no user_id: see migration 6), as do unpriced calls (the rollup does not
keep the reason).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.params import NS_TYPE, S_TYPE, hour_param, time_param
from store.queries.filters import Filters

# API name -> cost_hourly column, for `by=` and filters.
DIMENSIONS = {"project": "project", "service": "service_name", "environment": "environment", "team": "team",
              "feature": "feature", "user": "user_id", "provider": "provider", "model": "model"}


def per_call(f: Filters, by: list[str]) -> bool:
    """Whether the question names users, which only the cost rows can answer."""
    return "user" in by or bool(f.extra.get("user"))


_MONEY = "toDecimal128(ifNull({}, 0), 12)"
_ROLLUP = {"cost": "sum(cost_total)", "successful_cost": "sum(successful_cost)", "calls": "sum(calls)",
           "successful_calls": "sum(successful_calls)", "priced_calls": "sum(priced_calls)",
           "unpriced_calls": "sum(unpriced_calls)", "flagged_calls": "sum(flagged_calls)",
           "input_tokens": "sum(input_tokens)", "output_tokens": "sum(output_tokens)",
           "users": "uniqExactMerge(users)"}
_PER_CALL = {"cost": _MONEY.format("sum(cost_total)"),
             "successful_cost": _MONEY.format("sumIf(cost_total, status != 'error')"), "calls": "count()",
             "successful_calls": "countIf(status != 'error')", "priced_calls": "countIf(priced)",
             "unpriced_calls": "countIf(NOT priced)", "flagged_calls": "countIf(length(flags) > 0)",
             "input_tokens": "sum(input_tokens)", "output_tokens": "sum(output_tokens)",
             "users": "uniqExactIf(user_id, user_id != '')"}
# Grouped by user, a group has one user (none for calls without one): an exact count would keep a set per user.
_ONE_USER = "toUInt64(max(user_id != ''))"


def _source(calls: bool) -> tuple[str, str, dict[str, str]]:
    """(FROM, hour expression, measures) of the rollup, or of the cost rows when `calls`."""
    if calls:
        return "request_costs FINAL", "toStartOfHour(timestamp)", _PER_CALL
    return "cost_hourly FINAL", "hour", _ROLLUP


def where(f: Filters, per_call: bool = False) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over `cost_hourly` for the hours that overlap [since, until), or with
    `per_call` over `request_costs` for [since, until) exactly (both have the same dimensions)."""
    if per_call:
        clauses = [f"timestamp >= {{since:{NS_TYPE}}}", f"timestamp < {{until:{NS_TYPE}}}"]
        params: dict[str, Any] = {"since": time_param(f.since), "until": time_param(f.until)}
    else:
        clauses = [f"hour >= {{since:{S_TYPE}}}", f"hour < {{until:{S_TYPE}}}"]
        whole = f.until == f.until.replace(minute=0, second=0, microsecond=0)
        params = {"since": hour_param(f.since), "until": hour_param(f.until if whole else f.until + timedelta(hours=1))}
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
    calls = per_call(f, [by] if by else [])
    source, hour, m = _source(calls)
    clause, params = where(f, calls)
    params["step"] = step
    group = "''"
    if by is not None:
        column = DIMENSIONS[by]
        params["top"] = top
        group = (f"if({column} IN (SELECT {column} FROM {source} WHERE {clause} GROUP BY {column} "
                 f"ORDER BY {m['cost']} DESC LIMIT {{top:UInt32}}), {column}, 'other')")
    return store.query_arrow(f"""
SELECT toDateTime64(toStartOfInterval({hour}, toIntervalSecond({{step:UInt32}})), 0, 'UTC') AS bucket,
    {group} AS group, {m['cost']} AS cost, {m['calls']} AS calls, {m['unpriced_calls']} AS unpriced_calls
FROM {source}
WHERE {clause}
GROUP BY bucket, group
ORDER BY bucket, group""", params)


def breakdown(store: Store, f: Filters, by: list[str], limit: int,
              users: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Spend and unit economics per group of `by` (costliest first), and the totals of the range.

    Distinct users are exact and the costliest measure: `users=False` leaves them out.
    """
    calls = per_call(f, by)
    source, _, m = _source(calls)
    clause, params = where(f, calls)
    chosen = {name: expr for name, expr in m.items() if users or name != "users"}
    grouped = {**chosen, "users": _ONE_USER} if "users" in chosen and "user" in by else chosen
    columns = [DIMENSIONS[name] for name in by]
    select = ", ".join(f"{c} AS {name}" for c, name in zip(columns, by, strict=True))
    params["limit"] = limit
    rows = query_rows(store, f"""
SELECT {select}, {_select(grouped)}
FROM {source} WHERE {clause}
GROUP BY {", ".join(columns)}
ORDER BY cost DESC, calls DESC
LIMIT {{limit:UInt32}}""", params)
    [total] = query_rows(store, f"SELECT {_select(chosen)} FROM {source} WHERE {clause}", params)
    return rows, total


def _select(measures: dict[str, str]) -> str:
    return ",\n    ".join(f"{expr} AS {name}" for name, expr in measures.items())


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
    calls = column == "user_id"
    source, hour, m = _source(calls)
    clause, params = where(Filters(since, until), calls)
    rows = query_rows(store, f"""
SELECT toDate({hour}) AS day, {m['cost']} AS cost
FROM {source}
WHERE {clause} AND {column} = {{value:String}}
GROUP BY day""", {**params, "value": value})
    return {r["day"]: r["cost"] for r in rows}
