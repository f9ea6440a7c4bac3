"""Read-side FinOps queries: spend over time, breakdowns with unit economics, unpriced calls, daily spend.

Spend is token cost + GPU cost allocated to calls, by the one rule of store/queries/call_spend.py
(the FOCUS export's). It comes from the rollups (FINAL: the latest aggregate of each period): the days the
range holds whole from `cost_daily` (when the buckets asked for hold whole days), the other hours from
`cost_hourly`, so a 30-day breakdown reads about 30 rows per dimension combination, not millions of calls
(migration 27); the grain is the hour, so a time range is widened to whole hours. Questions per user read the cost rows with
their GPU allocations (the rollup has no user_id: see migration 6); unpriced calls read the cost rows of the
groups and hours the rollup counts them in (it does not keep the reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from store.base import Store, query_rows
from store.params import NS_TYPE, S_TYPE, hour_param, time_param
from store.queries import call_spend
from store.queries.filters import Filters

# API name -> cost_hourly column, for `by=` and filters.
DIMENSIONS = {"project": "project", "service": "service_name", "environment": "environment", "team": "team",
              "feature": "feature", "user": "user_id", "provider": "provider", "model": "model"}


def per_call(f: Filters, by: list[str]) -> bool:
    """Whether the question names users, which only the cost rows can answer."""
    return "user" in by or bool(f.extra.get("user"))


_MEASURES = ("cost", "token_cost", "gpu_cost", "successful_cost", "calls", "successful_calls", "priced_calls",
             "unpriced_calls", "gpu_calls", "flagged_calls", "input_tokens", "output_tokens")
# API name -> the rollup column it sums (the per-call measures of call_spend name them the same way).
_COLUMN = {"cost": "cost_total"}
_ROLLUP = {**{name: f"sum({_COLUMN.get(name, name)})" for name in _MEASURES}, "users": "uniqExactMerge(users)"}
_PER_CALL = {**{name: call_spend.MEASURES[_COLUMN.get(name, name)] for name in _MEASURES},
             "users": "uniqExactIf(user_id, user_id != '')"}
# Grouped by user, a group has one user (none for calls without one): an exact count would keep a set per user.
_ONE_USER = "toUInt64(max(user_id != ''))"


@dataclass(frozen=True)
class _Source:
    """Where a spend question reads: the rollup, or the cost rows with their GPU allocations (per call)."""

    table: str      # FROM ...
    hour: str       # the hour of a row
    measures: dict[str, str]
    clause: str     # WHERE ...
    params: dict[str, Any]


# The columns the rollup measures read; `cost_daily` has them all (its time column is `day`).
_ROLLUP_COLUMNS = ", ".join((*(c for c in DIMENSIONS.values() if c != "user_id"), "currency", "users", "cost_total", "token_cost", "gpu_cost",
                             "successful_cost", "calls", "successful_calls", "priced_calls", "unpriced_calls",
                             "gpu_calls", "flagged_calls", "input_tokens", "output_tokens"))
DAY = timedelta(days=1)


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The UTC days [first, last) that [start, end) holds whole (None: not one)."""
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = midnight if midnight == start else midnight + DAY
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def _rollup(start: datetime, end: datetime, step: int | None) -> tuple[str, dict[str, Any]]:
    """The rollup rows of [start, end) (whole hours): its whole days from `cost_daily` when the buckets hold whole
    days (`step` None or a multiple of a day), every other hour from `cost_hourly`."""
    days = whole_days(start, end) if step is None or step % 86400 == 0 else None
    if days is None:
        return "cost_hourly FINAL", {}
    params = {"day_first": hour_param(days[0]), "day_last": hour_param(days[1])}
    return (f"""(SELECT day AS hour, {_ROLLUP_COLUMNS} FROM cost_daily FINAL
    WHERE day >= {{day_first:{S_TYPE}}} AND day < {{day_last:{S_TYPE}}}
UNION ALL
SELECT hour, {_ROLLUP_COLUMNS} FROM cost_hourly FINAL
    WHERE hour >= {{since:{S_TYPE}}} AND hour < {{until:{S_TYPE}}}
        AND NOT (hour >= {{day_first:{S_TYPE}}} AND hour < {{day_last:{S_TYPE}}}))""", params)


def _source(f: Filters, calls: bool, step: int | None = None, narrow: str = "") -> _Source:
    """`narrow` is one more condition on the cost rows (over request_costs columns, parameters the caller's)."""
    clause, params = where(f, calls)
    clause = f"{clause} AND {narrow}" if narrow else clause
    if not calls:
        table, days = _rollup(*hour_window(f), step)
        return _Source(table, "hour", _ROLLUP, clause, {**params, **days})
    start, end = hour_window(f)
    params = {**params, "gpu_start": time_param(start, 0), "gpu_end": time_param(end, 0)}
    table = f"({call_spend.calls_sql(clause, f'hour >= {{gpu_start:{S_TYPE}}} AND hour < {{gpu_end:{S_TYPE}}}')})"
    return _Source(table, "toStartOfHour(timestamp)", _PER_CALL, clause, params)


def hour_window(f: Filters) -> tuple[datetime, datetime]:
    """[since, until) widened to whole hours: what the rollup (and so every spend answer) covers."""
    start = f.since.replace(minute=0, second=0, microsecond=0)
    end = f.until.replace(minute=0, second=0, microsecond=0)
    return start, end if end == f.until else end + timedelta(hours=1)


def where(f: Filters, per_call: bool = False) -> tuple[str, dict[str, Any]]:
    """The WHERE clause over `cost_hourly` for the hours that overlap [since, until), or with
    `per_call` over `request_costs` for [since, until) exactly (both have the same dimensions)."""
    if per_call:
        clauses = [f"timestamp >= {{since:{NS_TYPE}}}", f"timestamp < {{until:{NS_TYPE}}}"]
        params: dict[str, Any] = {"since": time_param(f.since), "until": time_param(f.until)}
    else:
        start, end = hour_window(f)
        clauses = [f"hour >= {{since:{S_TYPE}}}", f"hour < {{until:{S_TYPE}}}"]
        params = {"since": hour_param(start), "until": hour_param(end)}
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
    """Spend (and its token and GPU parts) per time bucket, split by `by` into the `top` costliest groups
    plus "other"."""
    src = _source(f, per_call(f, [by] if by else []), step)
    params = {**src.params, "step": step}
    group = "''"
    if by is not None:
        column = DIMENSIONS[by]
        params["top"] = top
        group = (f"if({column} IN (SELECT {column} FROM {src.table} WHERE {src.clause} GROUP BY {column} "
                 f"ORDER BY {src.measures['cost']} DESC LIMIT {{top:UInt32}}), {column}, 'other')")
    m = src.measures
    return store.query_arrow(f"""
SELECT toDateTime64(toStartOfInterval({src.hour}, toIntervalSecond({{step:UInt32}})), 0, 'UTC') AS bucket,
    {group} AS group, {m['cost']} AS cost, {m['token_cost']} AS token_cost, {m['gpu_cost']} AS gpu_cost,
    {m['calls']} AS calls, {m['unpriced_calls']} AS unpriced_calls
FROM {src.table}
WHERE {src.clause}
GROUP BY bucket, group
ORDER BY bucket, group""", params)


def breakdown(store: Store, f: Filters, by: list[str], limit: int,
              users: bool = True) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Spend and unit economics per group of `by` (costliest first), and the totals of the range.

    Distinct users are exact and the costliest measure: `users=False` leaves them out.
    """
    src = _source(f, per_call(f, by))
    chosen = {name: expr for name, expr in src.measures.items() if users or name != "users"}
    grouped = {**chosen, "users": _ONE_USER} if "users" in chosen and "user" in by else chosen
    columns = [DIMENSIONS[name] for name in by]
    select = ", ".join(f"{c} AS {name}" for c, name in zip(columns, by, strict=True))
    params = {**src.params, "limit": limit}
    rows = query_rows(store, f"""
SELECT {select}, {_select(grouped)}
FROM {src.table} WHERE {src.clause}
GROUP BY {", ".join(columns)}
ORDER BY cost DESC, calls DESC
LIMIT {{limit:UInt32}}""", params)
    [total] = query_rows(store, f"SELECT {_select(chosen)} FROM {src.table} WHERE {src.clause}", params)
    return rows, total


def _select(measures: dict[str, str]) -> str:
    return ",\n    ".join(f"{expr} AS {name}" for name, expr in measures.items())


_NO_SAMPLES = ("self-hosted call on a host that sent no GPU samples in that hour, so its GPU time is unknown "
               "(gpu.host_map maps a call host to the GPU host it runs on)")


@dataclass(frozen=True)
class Unpriced:
    """The calls of a range without a price, and how many GPU-served calls their GPU time priced."""

    groups: list[dict[str, Any]]    # by provider, model and reason (`why`), most calls first
    gpu_priced_calls: int


_SORT_PREFIX = ("project", "service_name", "model")  # request_costs' sort key starts with them


def unpriced(store: Store, f: Filters, self_hosted: frozenset[str]) -> Unpriced:
    """Calls without a price in the range by the spend rule (call_spend), by provider, model and reason.

    GPU-served calls are priced by their host-hour's GPU time, so they appear only when that host-hour
    has no GPU price; calls of `self_hosted` providers (lower case) that no GPU host served are said to be so.
    The reason is in the cost rows only, but the rollup says where unpriced calls are: only the cost rows of
    those (project, service, model) groups and hours are read, so a month of priced calls costs one rollup read.
    """
    if per_call(f, []):
        narrow, params, gpu_calls = "", {}, None
    else:
        groups = _unpriced_groups(store, f)
        gpu_calls = sum(g["gpu_calls"] for g in groups)
        found = [g for g in groups if g["unpriced_calls"]]
        if not found:
            return Unpriced([], gpu_calls)
        # Each column's values (a superset of the groups, still a prefix of the sort key), and their hours.
        narrow = " AND ".join((*(f"{c} IN {{u_{c}:Array(String)}}" for c in _SORT_PREFIX),
                               f"timestamp >= {{u_first:{S_TYPE}}} AND timestamp < {{u_last:{S_TYPE}}}"))
        params = {**{f"u_{c}": sorted({g[c] for g in found}) for c in _SORT_PREFIX},
                  "u_first": hour_param(min(g["first"] for g in found)),
                  "u_last": hour_param(max(g["last"] for g in found) + DAY)}  # a day row's last hour, or more
    src = _source(f, calls=True, narrow=narrow)
    rows = query_rows(store, f"""
SELECT provider, model, multiIf(
        served = 1, concat('no price for the GPUs of host ', gpu_host, ': ', gpu_price_source),
        lower(provider) IN {{self_hosted:Array(String)}}, {{no_samples:String}},
        reason) AS why,
    count() AS calls, countIf(served = 1) AS served_calls, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
    groupUniqArray(5)(service_name) AS services
FROM {src.table}
WHERE NOT {call_spend.HAS_PRICE} AND {src.clause}
GROUP BY provider, model, why
ORDER BY calls DESC, provider, model""", {**src.params, **params, "self_hosted": sorted(self_hosted),
                                          "no_samples": _NO_SAMPLES})
    served = sum(r.pop("served_calls") for r in rows)
    return Unpriced(rows, _gpu_priced_calls(store, f) if gpu_calls is None else gpu_calls - served)


def _unpriced_groups(store: Store, f: Filters) -> list[dict[str, Any]]:
    """Per (project, service, model) of the rollup: its unpriced and GPU-served calls, and its first and last
    rollup period (an hour, or a day from `cost_daily`)."""
    src = _source(f, calls=False)
    return query_rows(store, f"""
SELECT project, service_name, model, sum(unpriced_calls) AS unpriced_calls, sum(gpu_calls) AS gpu_calls,
    toDateTime64(min(hour), 0, 'UTC') AS first, toDateTime64(max(hour), 0, 'UTC') AS last
FROM {src.table} WHERE {src.clause}
GROUP BY project, service_name, model""", src.params)


def _gpu_priced_calls(store: Store, f: Filters) -> int:
    """Calls of the range priced through GPU time (GPU-served, on a host-hour with a price), from the cost rows."""
    src = _source(f, calls=True)
    [row] = query_rows(store, f"SELECT countIf(served = 1 AND gpu_priced) AS n FROM {src.table} WHERE {src.clause}",
                       src.params)
    return row["n"]


def daily_spend(store: Store, column: str, value: str, since: datetime, until: datetime) -> dict[Any, Decimal]:
    """Spend (token + GPU) per UTC day of the calls whose `column` equals `value` (a budget's scope)."""
    src = _source(Filters(since, until), column == "user_id", step=86400)
    rows = query_rows(store, f"""
SELECT toDate({src.hour}) AS day, {src.measures['cost']} AS cost
FROM {src.table}
WHERE {src.clause} AND {column} = {{value:String}}
GROUP BY day""", {**src.params, "value": value})
    return {r["day"]: r["cost"] for r in rows}
