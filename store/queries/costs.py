"""Queries of the cost job: the `llm_calls` it prices, its batch cut-off, what it wrote.

Times are passed as `DateTime64(3, 'UTC')` parameters (the precision of `ingested_at`).
Calls already priced under the current catalog version are not priced again: the
look-back re-reads only the seconds of ingestion that differ, a reprice only the calls
priced under another version.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl

from store.base import Store, query_df, query_rows
from store.params import MS_TYPE, NS_TYPE, dates_param, seconds_param, time_param

# The llm_calls columns the cost job copies and prices, in request_costs order.
PRICED_INPUT_COLUMNS = (
    "timestamp", "trace_id", "span_id", "project", "service_name", "scope_name", "environment", "team", "feature", "user_id",
    "provider", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "status", "ingested_at",
)


def batch_cutoff(store: Store, after: datetime, until: datetime, limit: int) -> datetime | None:
    """The `ingested_at` of the (limit+1)-th call ingested in (after, until], or None if there are fewer.

    Lets the job take at most about `limit` new calls per run when it has a backlog.
    """
    rows = query_rows(store, f"""
SELECT ingested_at FROM llm_calls
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}
ORDER BY ingested_at
LIMIT 1 OFFSET {{limit:UInt64}}""", {"after": time_param(after, 3), "until": time_param(until, 3), "limit": limit})
    return rows[0]["ingested_at"] if rows else None


def seconds_to_redo(store: Store, after: datetime, watermark: datetime, version: str) -> list[datetime]:
    """The seconds of ingestion in the look-back (after, watermark], which earlier runs saw, that hold
    more calls than cost rows of `version`: a late commit, a duplicate delivery or a new catalog version.

    Counting per second reads two ingestion-time columns; comparing keys would read and hash
    every call of the look-back, every run.
    """
    look_back = f"ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{watermark:{MS_TYPE}}}"
    rows = query_rows(store, f"""
SELECT second FROM (
    SELECT toStartOfSecond(ingested_at) AS second, count() AS calls FROM llm_calls
    WHERE {look_back} GROUP BY second) AS arrived
LEFT JOIN (
    SELECT toStartOfSecond(ingested_at) AS second, count() AS priced FROM request_costs
    WHERE {look_back} AND catalog_version = {{version:String}} GROUP BY second) AS done
USING (second)
WHERE calls > priced
ORDER BY second""", {"after": time_param(after, 3), "watermark": time_param(watermark, 3), "version": version})
    return [r["second"] for r in rows]


def calls_to_price(watermark: datetime, until: datetime, redo: list[datetime]) -> tuple[str, dict[str, Any]]:
    """SQL (and parameters) of the calls ingested in (watermark, until] or in the seconds `redo`."""
    sql = f"""
SELECT {", ".join(PRICED_INPUT_COLUMNS)}
FROM llm_calls
WHERE (ingested_at > {{watermark:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}})"""
    params: dict[str, Any] = {"watermark": time_param(watermark, 3), "until": time_param(until, 3)}
    if redo:
        sql += f"\n   OR toStartOfSecond(ingested_at) IN {{redo:Array({MS_TYPE})}}"
        params["redo"] = [time_param(second, 3) for second in redo]
    return sql, params


def calls_in_period(since: datetime, until: datetime) -> tuple[str, dict[str, Any]]:
    """SQL (and parameters) of the calls that happened in [since, until) whose cost was not made
    under `{version}`."""
    period = f"timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}"
    sql = f"""
SELECT {", ".join(PRICED_INPUT_COLUMNS)}
FROM llm_calls
WHERE {period} AND (trace_id, span_id) GLOBAL NOT IN (
    SELECT trace_id, span_id FROM request_costs WHERE {period} AND catalog_version = {{version:String}})"""
    return sql, {"since": time_param(since), "until": time_param(until)}


# Where the calls of one pricing fall (see `reach`): prunes partitions and primary-key ranges.
_REACH = (f"toDate(timestamp) IN {{days:Array(Date)}} AND timestamp >= {{first:{NS_TYPE}}} "
          f"AND timestamp < {{past_last:{NS_TYPE}}}")


def reach(hours: list[datetime], first: datetime, last: datetime) -> dict[str, Any]:
    """Parameters of `_REACH` for calls in `hours` stamped in [first, last] (microsecond precision:
    the bound past the last call is a microsecond later, so a nanosecond remainder stays inside)."""
    return {"days": dates_param(hours), "first": time_param(first),
            "past_last": time_param(last + timedelta(microseconds=1))}


def record_versions(store: Store, hours: list[datetime], version: str, priced_at: datetime) -> None:
    """Note that `version` prices calls of `hours` (migration 11), before their cost rows are written."""
    store.command(f"""
INSERT INTO cost_hour_versions (hour, catalog_version, priced_at)
SELECT arrayJoin({{hours:Array(DateTime('UTC'))}}), {{version:String}}, {{priced_at:{MS_TYPE}}}""",
                  {"hours": seconds_param(hours), "version": version, "priced_at": time_param(priced_at, 3)})


def has_other_versions(store: Store, hours: list[datetime], version: str) -> bool:
    """Were calls of these hours ever priced under another catalog version (so cost rows may be superseded)?"""
    rows = query_rows(store, "SELECT 1 AS found FROM cost_hour_versions WHERE hour IN {hours:Array(DateTime('UTC'))} "
                             "AND catalog_version != {version:String} LIMIT 1",
                      {"hours": seconds_param(hours), "version": version})
    return bool(rows)


def keep_superseded(store: Store, columns: str, source: str, params: dict[str, Any]) -> None:
    """Copy into `request_cost_history` the current cost rows of `source`'s calls that were made under
    another version than `{version}`: the rows a pricing under `{version}` is about to supersede."""
    store.command(f"""
INSERT INTO request_cost_history ({columns}) SETTINGS max_partitions_per_insert_block = 0
SELECT {columns} FROM (
    SELECT {columns} FROM request_costs
    WHERE {_REACH} AND (trace_id, span_id) IN (SELECT trace_id, span_id FROM ({source}))
    ORDER BY priced_at DESC LIMIT 1 BY trace_id, span_id)
WHERE catalog_version != {{version:String}}""", params)


def priced_counts(store: Store, where: dict[str, Any], priced_at: datetime) -> tuple[int, int, int]:
    """(rows, priced, flagged) among the cost rows of the reach written at `priced_at`."""
    [row] = query_rows(store, f"""
SELECT count() AS n, countIf(priced) AS priced, countIf(length(flags) > 0) AS flagged
FROM request_costs
WHERE {_REACH} AND priced_at = {{priced_at:{MS_TYPE}}}""", {**where, "priced_at": time_param(priced_at, 3)})
    return row["n"], row["priced"], row["flagged"]


def cost_rows_in_period(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """The latest cost (key and total) of each call in [since, until)."""
    return query_df(store, f"""
SELECT trace_id, span_id, cost_total FROM request_costs FINAL
WHERE timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}""", {"since": time_param(since), "until": time_param(until)})


def period_total(store: Store, since: datetime, until: datetime) -> Decimal:
    """The sum of the latest costs of the calls in [since, until) (unpriced calls add nothing)."""
    rows = query_rows(store, f"""
SELECT toDecimal128(ifNull(sum(cost_total), 0), 12) AS total FROM request_costs FINAL
WHERE timestamp >= {{since:{NS_TYPE}}} AND timestamp < {{until:{NS_TYPE}}}""", {"since": time_param(since), "until": time_param(until)})
    return rows[0]["total"]
