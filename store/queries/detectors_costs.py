"""What the cost detectors read: spend per hour by dimension (cost anomalies), the top users' spend per
hour, spend per hour of budget scopes, and unpriced calls per minute.

Spend comes from the hourly rollup `cost_hourly` where it can; users and unpriced calls only the
cost rows know (the rollup keeps neither), so those read `request_costs` over short windows.
Every row's `time` is the end of its bucket (detectors read only complete buckets: see
detectors/frames.py); money is `Decimal(38, 12)`. Dimensions are named as the API names them
(`service`, not `service_name`), which is what the detectors' labels say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import polars as pl

from store.base import Store, query_df
from store.queries import spend
from store.queries.filters import Filters

# Dimensions of cost_hourly (and request_costs) by API name.
DIMENSIONS = {name: column for name, column in spend.DIMENSIONS.items() if name != "user"}
# Budget scopes (pipelines/costs/budgets.py) by the column they filter on.
SCOPE_COLUMNS = {"project": "project", "team": "team", "feature": "feature", "user": "user_id"}


def _select(dims: Sequence[str]) -> str:
    for name in dims:
        if name not in DIMENSIONS:
            raise ValueError(f"not a cost dimension: {name}")
    return "".join(f"{DIMENSIONS[name]} AS {name}, " for name in dims)


def _filters(since: datetime, until: datetime, where: Mapping[str, Sequence[str]]) -> Filters:
    return Filters(since, until, extra={name: tuple(values) for name, values in where.items()})


def hourly_spend(store: Store, dims: Sequence[str], where: Mapping[str, Sequence[str]], since: datetime,
                 until: datetime) -> pl.DataFrame:
    """Spend per hour (time = the hour's end) and `dims`, of the hours overlapping [since, until)."""
    clause, params = spend.where(_filters(since, until, where))
    group = "".join(f", {name}" for name in dims)
    return query_df(store, f"""
SELECT toDateTime64(hour + toIntervalHour(1), 6, 'UTC') AS time, {_select(dims)}sum(cost_total) AS cost
FROM cost_hourly FINAL
WHERE {clause}
GROUP BY time{group}
ORDER BY time{group}""", params)


def top_users(store: Store, dims: Sequence[str], where: Mapping[str, Sequence[str]], since: datetime,
              until: datetime, top: int) -> pl.DataFrame:
    """The `top` costliest users per hour and `dims` in [since, until), from the cost rows (priced calls)."""
    clause, params = spend.where(_filters(since, until, where), per_call=True)
    group = "".join(f", {name}" for name in dims)
    return query_df(store, f"""
SELECT toDateTime64(toStartOfHour(timestamp) + toIntervalHour(1), 6, 'UTC') AS time, {_select(dims)}
    user_id AS user, toDecimal128(sum(cost_total), 12) AS cost
FROM request_costs FINAL
WHERE {clause} AND priced AND user_id != ''
GROUP BY time{group}, user
ORDER BY time{group}, cost DESC, user
LIMIT {{top:UInt32}} BY time{group}""", {**params, "top": top})


def scope_spend(store: Store, scope: str, values: Sequence[str], since: datetime, until: datetime) -> pl.DataFrame:
    """Spend per hour (time = the hour's end) of each of `values` of a budget `scope`, hours overlapping
    [since, until): from the rollup, or for users from the cost rows."""
    if scope not in SCOPE_COLUMNS:
        raise ValueError(f"not a budget scope: {scope}")
    column = SCOPE_COLUMNS[scope]
    per_call = scope == "user"
    source = "request_costs FINAL" if per_call else "cost_hourly FINAL"
    hour = "toStartOfHour(timestamp)" if per_call else "hour"
    clause, params = spend.where(Filters(since, until), per_call)
    return query_df(store, f"""
SELECT toDateTime64({hour} + toIntervalHour(1), 6, 'UTC') AS time, {column} AS value,
    toDecimal128(ifNull(sum(cost_total), 0), 12) AS cost
FROM {source}
WHERE {clause} AND {column} IN {{values:Array(String)}}
GROUP BY time, value
ORDER BY time, value""", {**params, "values": list(values)})


def unpriced_minutes(store: Store, where: Mapping[str, Sequence[str]], since: datetime,
                     until: datetime) -> pl.DataFrame:
    """Calls stored without a price per minute (time = the minute's end), project, service, provider, model
    and reason, with the first and last call's time, in [since, until)."""
    clause, params = spend.where(_filters(since, until, where), per_call=True)
    return query_df(store, f"""
SELECT toDateTime64(toStartOfMinute(timestamp) + toIntervalMinute(1), 6, 'UTC') AS time,
    project, service_name AS service, provider, model, reason, count() AS calls,
    toDateTime64(min(timestamp), 6, 'UTC') AS first_seen, toDateTime64(max(timestamp), 6, 'UTC') AS last_seen
FROM request_costs FINAL
WHERE {clause} AND NOT priced
GROUP BY time, project, service, provider, model, reason
ORDER BY time, provider, model""", params)
