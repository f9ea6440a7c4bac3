"""Queries of the spend rollup: the queue of five-minute slices, `cost_slices`, `cost_hourly`, `cost_daily`.

The cost job and reprice queue the slices whose cost rows they wrote, the GPU cost job those whose
GPU allocations changed. The rollup job re-aggregates a small hour whole from `request_costs FINAL`
(with each call's GPU allocation: the spend rule of store/queries/call_spend.py) into `cost_hourly`;
a big one's queued slices into `cost_slices`, then the hour from its slice rows (migrations 6, 13, 19); and each
day of those hours from its hour rows (migration 27).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store.base import Store, query_rows
from store.params import EPOCH, MS_TYPE, dates_param, seconds_param, time_param
from store.queries import call_spend
from store.tables import COST_DAYS
from store.tables import COST_DIMENSIONS as DIMENSIONS

SLICE = timedelta(minutes=5)
SLICES_PER_HOUR = 12
# An hour with more cost rows than this is rolled up by slice. Below it, slice rows would be nearly as
# many as the calls (measured: 3.5x the time of whole hours on 14k calls/hour), and re-reading the hour costs little.
SLICED_ABOVE = 1_000_000
# A cost row's (or a call's) slice, a `DateTime('UTC')`.
SLICE_SQL = "toStartOfFiveMinutes(timestamp)"
_TIMES = "Array(DateTime('UTC'))"
_TOKENS = tuple(f"{k}_tokens" for k in ("input", "output", "cache_read", "cache_write", "reasoning"))
_COUNTS = ("calls", "successful_calls", "priced_calls", "unpriced_calls", "gpu_calls", "flagged_calls")
_MONEY = (*call_spend.TOKEN_PARTS, "cost_total", "token_cost", "gpu_cost", "successful_cost")
# Per slice or hour, from the cost rows and their GPU allocations (the spend rule: store/queries/call_spend.py).
_FROM_CALLS = {name: call_spend.MEASURES[name] for name in (*_COUNTS, *_TOKENS, *_MONEY)}
# Per hour, from its slices.
_FROM_SLICES = {**{c: f"sum({c})" for c in (*_COUNTS, *_TOKENS)}, **{m: f"toDecimal128(sum({m}), 12)" for m in _MONEY}}


def queue_slices(store: Store, slices: list[datetime], source: str = "costs", priced_at: datetime | None = None) -> None:
    """Ask the rollup job to re-aggregate `slices` (five-minute starts); `source` says who asks (the GPU cost
    job, `gpu`, reads the queue too, but not its own rows); `priced_at`, the version of the cost rows written
    in them, lets the trace summary job read just those rows (migration 28; none: the whole slices)."""
    store.command(f"""
INSERT INTO cost_rollup_queue (hour, slice, source, priced_at)
SELECT toStartOfHour(s), s, {{source:String}}, {{priced_at:{MS_TYPE}}}
FROM (SELECT arrayJoin({{slices:{_TIMES}}}) AS s)""",
                  {"slices": seconds_param(slices), "source": source,
                   "priced_at": time_param(priced_at or EPOCH, 3)})


def queued_slices(store: Store, after: datetime, until: datetime, source: str | None = None) -> list[datetime]:
    """The slices queued in (after, until] (a row queued before migration 13 names its hour's start), by `source`
    only when given."""
    by_source = "" if source is None else " AND source = {source:String}"
    rows = query_rows(store, f"""
SELECT DISTINCT toDateTime64(slice, 0, 'UTC') AS slice FROM cost_rollup_queue
WHERE queued_at > {{after:{MS_TYPE}}} AND queued_at <= {{until:{MS_TYPE}}}{by_source} ORDER BY slice""",
                      {"after": time_param(after, 3), "until": time_param(until, 3), "source": source})
    return [r["slice"] for r in rows]


def queued_versions(store: Store, after: datetime, until: datetime) -> list[tuple[datetime, datetime | None]]:
    """The cost rows' slices queued in (after, until] with the version written in them (None: the whole slice)."""
    rows = query_rows(store, f"""
SELECT DISTINCT toDateTime64(slice, 0, 'UTC') AS slice, priced_at FROM cost_rollup_queue
WHERE queued_at > {{after:{MS_TYPE}}} AND queued_at <= {{until:{MS_TYPE}}} AND source = 'costs'
ORDER BY slice, priced_at""", {"after": time_param(after, 3), "until": time_param(until, 3)})
    return [(r["slice"], r["priced_at"] if r["priced_at"] > EPOCH else None) for r in rows]


def sliced_hours(store: Store, hours: list[datetime]) -> list[datetime]:
    """Those of `hours` that have slice rows (and so all of them: see migration 13)."""
    rows = query_rows(store, f"""
SELECT DISTINCT toDateTime64(toStartOfHour(slice), 0, 'UTC') AS hour FROM cost_slices
WHERE toDate(slice) IN {{days:Array(Date)}} AND toStartOfHour(slice) IN {{hours:{_TIMES}}}""",
                      {"days": dates_param(hours), "hours": seconds_param(hours)})
    return [r["hour"] for r in rows]


# Rollup table -> its time column and that column's value for a cost row.
_GRAINS = {"cost_hourly": ("hour", "toStartOfHour(timestamp)"),
           "cost_slices": ("slice", SLICE_SQL)}


def recompute(store: Store, table: str, times: list[datetime], computed_at: datetime) -> None:
    """Re-aggregate `table` (cost_hourly or cost_slices) for `times` (its hours or slices) from the latest
    cost rows."""
    column, grain = _GRAINS[table]
    values = {column: grain, **{d: d for d in DIMENSIONS}, "currency": "currency",
              "users": "uniqExactStateIf(user_id, user_id != '')", **_FROM_CALLS,
              "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    calls = call_spend.calls_sql(f"toDate(timestamp) IN {{days:Array(Date)}} AND {grain} IN {{times:{_TIMES}}}",
                                 f"hour IN {{hours:{_TIMES}}}")
    # Aliases would shadow the source columns inside the aggregates, so the SELECT is positional.
    store.command(f"""
INSERT INTO {table} ({", ".join(values)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(values.values())}
FROM ({calls})
GROUP BY {", ".join((grain, *DIMENSIONS, "currency"))}""",
                  {"days": dates_param(times), "times": seconds_param(times),
                   "hours": seconds_param({t.replace(minute=0, second=0, microsecond=0) for t in times}),
                   "computed_at": time_param(computed_at, 3)})


def calls_per_hour(store: Store, hours: list[datetime]) -> dict[datetime, int]:
    """Cost rows per hour of `hours` (re-pricings included: a measure of size, not a count of calls)."""
    rows = query_rows(store, f"""
SELECT toDateTime64(toStartOfHour(timestamp), 0, 'UTC') AS hour, count() AS n FROM request_costs
WHERE toDate(timestamp) IN {{days:Array(Date)}} AND toStartOfHour(timestamp) IN {{hours:{_TIMES}}}
GROUP BY hour""", {"days": dates_param(hours), "hours": seconds_param(hours)})
    return {r["hour"]: r["n"] for r in rows}


# Rollup level -> (the table below it, its time column, the level's table, its time column, the bucket).
_LEVELS = {"hours": ("cost_slices", "slice", "cost_hourly", "hour", "toStartOfHour"),
           "days": ("cost_hourly", "hour", COST_DAYS, "day", "toStartOfDay")}


def derive(store: Store, level: str, times: list[datetime], computed_at: datetime) -> None:
    """Re-derive `cost_hourly` for `times` (hours) from their latest slice rows, or `cost_daily` (days) from their
    latest hour rows."""
    source, source_time, target, column, bucket = _LEVELS[level]
    values = {column: f"{bucket}({source_time})", **{d: d for d in DIMENSIONS}, "currency": "currency",
              "users": "uniqExactMergeState(users)", **_FROM_SLICES, "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {target} ({", ".join(values)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(values.values())}
FROM {source} FINAL
WHERE toDate({source_time}) IN {{days:Array(Date)}} AND {bucket}({source_time}) IN {{times:{_TIMES}}}
GROUP BY {", ".join((f"{bucket}({source_time})", *DIMENSIONS, "currency"))}""",
                  {"days": dates_param(times), "times": seconds_param(times), "computed_at": time_param(computed_at, 3)})
