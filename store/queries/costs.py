"""Queries of the cost job: the `llm_calls` it prices, its batch cut-off, the hourly rollup.

Times are passed as `DateTime64(3, 'UTC')` parameters (the precision of `ingested_at`).
Calls already priced under the current catalog version are never read again: the
look-back and a reprice then cost a key lookup instead of a second pricing and insert.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import polars as pl

from store.base import Store, query_df, query_rows
from store.migrations.m0006_cost_hourly import DIMENSIONS, USER_DIMENSIONS
from store.queries.watermarks import MS_TYPE, ms

# The llm_calls columns the cost job copies and prices, in request_costs order.
PRICED_INPUT_COLUMNS = (
    "timestamp", "trace_id", "span_id", "project", "service_name", "environment", "team", "feature", "user_id",
    "provider", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "status",
)
_NS = "DateTime64(9, 'UTC')"


def batch_cutoff(store: Store, after: datetime, until: datetime, limit: int) -> datetime | None:
    """The `ingested_at` of the (limit+1)-th call ingested in (after, until], or None if there are fewer.

    Lets the job take at most about `limit` new calls per run when it has a backlog.
    """
    rows = query_rows(store, f"""
SELECT ingested_at FROM llm_calls
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}
ORDER BY ingested_at
LIMIT 1 OFFSET {{limit:UInt64}}""", {"after": ms(after), "until": ms(until), "limit": limit})
    return rows[0]["ingested_at"] if rows else None


def _not_priced_under(version_param: str, priced_filter: str) -> str:
    """Excludes calls whose latest cost row was made with the current catalog version."""
    return f"""(trace_id, span_id) GLOBAL NOT IN (
    SELECT trace_id, span_id FROM request_costs
    WHERE {priced_filter} AND catalog_version = {{{version_param}:String}})"""


def calls_ingested(store: Store, after: datetime, until: datetime, catalog_version: str) -> pl.DataFrame:
    """The calls (deduplicated with FINAL) ingested in (after, until] and not yet priced under `catalog_version`.

    A call ingested after `after` can only have been priced after it, which bounds the lookup.
    """
    return query_df(store, f"""
SELECT {", ".join(PRICED_INPUT_COLUMNS)}
FROM llm_calls FINAL
WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}}
  AND {_not_priced_under("version", f"priced_at > {{after:{MS_TYPE}}}")}""",
                    {"after": ms(after), "until": ms(until), "version": catalog_version})


def calls_in_period(store: Store, since: datetime, until: datetime, catalog_version: str) -> pl.DataFrame:
    """The calls that happened in [since, until) whose cost was not made with `catalog_version`."""
    params = {"since": ns(since), "until": ns(until), "version": catalog_version}
    period = f"timestamp >= {{since:{_NS}}} AND timestamp < {{until:{_NS}}}"
    return query_df(store, f"""
SELECT {", ".join(PRICED_INPUT_COLUMNS)}
FROM llm_calls FINAL
WHERE {period} AND {_not_priced_under("version", period)}""", params)


def ns(value: datetime) -> str:
    """A datetime as a `DateTime64(9)` parameter value."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


_KINDS = ("input", "cache_read", "cache_write", "output", "reasoning", "request_fee", "total")
_MEASURES = {
    "calls": "count()", "successful_calls": "countIf(status != 'error')", "priced_calls": "countIf(priced)",
    "unpriced_calls": "countIf(NOT priced)", "flagged_calls": "countIf(length(flags) > 0)",
    **{f"{k}_tokens": f"sum({k}_tokens)" for k in ("input", "output", "cache_read", "cache_write", "reasoning")},
    **{f"cost_{k}": f"toDecimal128(ifNull(sum(cost_{k}), 0), 12)" for k in _KINDS},
    "successful_cost": "toDecimal128(ifNull(sumIf(cost_total, status != 'error'), 0), 12)",
}


def recompute_hours(store: Store, hours: list[datetime], computed_at: datetime) -> None:
    """Re-aggregate `cost_hourly` and `cost_user_hourly` for `hours` from the latest cost rows (migration 6)."""
    if not hours:
        return
    params = {"days": sorted({h.strftime("%Y-%m-%d") for h in hours}),
              "hours": sorted(h.strftime("%Y-%m-%d %H:%M:%S") for h in hours), "computed_at": ms(computed_at)}
    for table, dims, extra in (("cost_hourly", DIMENSIONS, {"users": "uniqExactStateIf(user_id, user_id != '')"}),
                               ("cost_user_hourly", USER_DIMENSIONS, {})):
        values = {"hour": "toStartOfHour(timestamp)", **{d: d for d in dims}, "currency": "currency", **extra,
                  **_MEASURES, "computed_at": f"{{computed_at:{MS_TYPE}}}"}
        # Aliases would shadow the source columns inside the aggregates, so the SELECT is positional.
        store.command(f"""
INSERT INTO {table} ({", ".join(values)})
SELECT {", ".join(values.values())}
FROM request_costs FINAL
WHERE toDate(timestamp) IN {{days:Array(Date)}} AND toStartOfHour(timestamp) IN {{hours:Array(DateTime('UTC'))}}
GROUP BY {", ".join(("toStartOfHour(timestamp)", *dims, "currency"))}""", params)


def cost_rows_in_period(store: Store, since: datetime, until: datetime) -> pl.DataFrame:
    """The latest cost (key and total) of each call in [since, until)."""
    return query_df(store, f"""
SELECT trace_id, span_id, cost_total FROM request_costs FINAL
WHERE timestamp >= {{since:{_NS}}} AND timestamp < {{until:{_NS}}}""", {"since": ns(since), "until": ns(until)})


def period_total(store: Store, since: datetime, until: datetime) -> Decimal:
    """The sum of the latest costs of the calls in [since, until) (unpriced calls add nothing)."""
    rows = query_rows(store, f"""
SELECT toDecimal128(ifNull(sum(cost_total), 0), 12) AS total FROM request_costs FINAL
WHERE timestamp >= {{since:{_NS}}} AND timestamp < {{until:{_NS}}}""", {"since": ns(since), "until": ns(until)})
    return rows[0]["total"]
