"""What every per-minute rollup of a span table shares: which minutes to roll up, which minutes the rollup misses
(a reader's dirty minutes), deriving hours from minute rows and days from hour rows, and where a question reads
(the plan).

Two rollups use it: the calls (`llm_calls` into `llm_calls_1m`/`_1h`/`_1d`, migrations 24 and 27) and the agent,
tool and retrieval spans (`otel_traces` into `operations_1m`/`_1h`/`_1d`, migrations 26 and 27). Both are recomputed, never
accumulated, found by the source table's `ingested_at`, and read through store/queries/rollup_plan.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from store.base import Store, query_rows
from store.params import MS_TYPE, NS_TYPE, dates_param, seconds_param, time_param
from store.queries import watermarks
from store.queries.rollup_plan import MAX_DIRTY, Piece, floor_minute, plan

TIMES = "Array(DateTime('UTC'))"


@dataclass(frozen=True)
class Rollup:
    """A span table rolled up per minute, hour and day: the source (`time`: its span time, DateTime64(9);
    `ingested_at`: its DateTime64(3) ingestion time), the rollup tables and their dimensions, and the job
    whose watermark says what they hold."""

    job_name: str
    table: str
    time: str
    minute_table: str
    hour_table: str
    day_table: str
    dimensions: tuple[str, ...]
    # Rows ingested this long before the job's watermark may have committed after the job read: each run reads
    # them again, and readers take their minutes from the source (the cost job's look-back, for the same reason).
    lookback: timedelta = timedelta(seconds=10)


def _minutes(rows: list[dict[str, Any]]) -> list[datetime]:
    return [row["minute"] for row in rows]


def minutes_to_roll_up(store: Store, r: Rollup, ingested_after: datetime, ingested_until: datetime,
                       opened: datetime, closed: datetime) -> list[datetime]:
    """The minutes before `closed` that hold a row ingested in (ingested_after, ingested_until] (late,
    retried or new), or that closed since `opened` (whatever their rows' ingestion).

    Two selects, so each narrows by its own index (ingestion time's minmax, the span time's partitions).
    """
    minute = f"toDateTime64(toStartOfMinute({r.time}), 0, 'UTC') AS minute FROM {r.table}"
    return _minutes(query_rows(store, f"""
SELECT DISTINCT minute FROM (
    SELECT {minute}
    WHERE ingested_at > {{after:{MS_TYPE}}} AND ingested_at <= {{until:{MS_TYPE}}} AND {r.time} < {{closed:{NS_TYPE}}}
    UNION ALL
    SELECT {minute}
    WHERE {r.time} >= {{opened:{NS_TYPE}}} AND {r.time} < {{closed:{NS_TYPE}}}
)
ORDER BY minute""", {"after": time_param(ingested_after, 3), "until": time_param(ingested_until, 3),
                     "opened": time_param(opened), "closed": time_param(closed)}))


def dirty_minutes(store: Store, r: Rollup, ingested_after: datetime, since: datetime, until: datetime,
                  limit: int) -> list[datetime]:
    """Up to `limit` minutes in [since, until) holding a row ingested after `ingested_after`: what the
    rollups may miss, so readers take those minutes from the source table."""
    if since >= until:
        return []
    return _minutes(query_rows(store, f"""
SELECT DISTINCT toDateTime64(toStartOfMinute({r.time}), 0, 'UTC') AS minute FROM {r.table}
WHERE ingested_at > {{after:{MS_TYPE}}} AND {r.time} >= {{since:{NS_TYPE}}} AND {r.time} < {{until:{NS_TYPE}}}
LIMIT {{limit:UInt32}}""", {"after": time_param(ingested_after, 3), "since": time_param(since),
                            "until": time_param(until), "limit": limit}))


def minutes_params(minutes: list[datetime], computed_at: datetime) -> dict[str, Any]:
    """The parameters a recompute of `minutes` selects its source rows by: `days` (partitions), `first` and `end`
    (the span-time range) and `minutes`, and the rows' version `computed_at`."""
    return {"days": dates_param(minutes), "first": time_param(min(minutes)),
            "end": time_param(max(minutes) + timedelta(minutes=1)), "minutes": seconds_param(minutes),
            "computed_at": time_param(computed_at, 3)}


def in_minutes(time: str) -> str:
    """The predicate on a source's span time that `minutes_params` fills."""
    return (f"toDate({time}) IN {{days:Array(Date)}} AND {time} >= {{first:{NS_TYPE}}} AND {time} < {{end:{NS_TYPE}}}"
            f" AND toStartOfMinute({time}) IN {{minutes:{TIMES}}}")


def derive(store: Store, r: Rollup, merges: dict[str, str], level: str, periods: list[datetime],
           computed_at: datetime) -> None:
    """Re-derive the `level` rollup ("hours" or "days") for `periods` (their starts) from the latest rows of the
    level below (`merges`: each measure column's aggregate over those rows, the same at every level)."""
    source, target, bucket = {"hours": (r.minute_table, r.hour_table, "toStartOfHour"),
                              "days": (r.hour_table, r.day_table, "toStartOfDay")}[level]
    dimensions = ", ".join(r.dimensions)
    columns = {"period": f"{bucket}(period)", **{d: d for d in r.dimensions}, **merges,
               "computed_at": f"{{computed_at:{MS_TYPE}}}"}
    store.command(f"""
INSERT INTO {target} ({", ".join(columns)}) SETTINGS max_partitions_per_insert_block = 0
SELECT {", ".join(columns.values())}
FROM {source} FINAL
WHERE toDate(period) IN {{days:Array(Date)}} AND {bucket}(period) IN {{periods:{TIMES}}}
GROUP BY {bucket}(period), {dimensions}""",
                  {"days": dates_param(periods), "periods": seconds_param(periods),
                   "computed_at": time_param(computed_at, 3)})


def pieces(store: Store, r: Rollup, since: datetime, until: datetime, step_seconds: int | None = None,
           raw_only: bool = False) -> list[Piece]:
    """The plan for [since, until): the job's watermark says what the rollups cover, the rows ingested since
    (less its look-back) which minutes they miss. `raw_only`: a filter the rollups cannot answer."""
    mark = None if raw_only else watermarks.watermark(store, r.job_name)
    if mark is None:
        return [Piece("raw", since, until)]
    mark = mark if mark.tzinfo else mark.replace(tzinfo=timezone.utc)
    covered = floor_minute(mark)
    dirty = dirty_minutes(store, r, mark - r.lookback, since, min(until, covered), MAX_DIRTY + 1)
    return plan(since, until, covered, dirty, step_seconds)


def ranges_where(prefix: str, column: str, param_type: str, digits: int,
                 ranges: list[Piece]) -> tuple[str, dict[str, Any]]:
    """`column` within any of `ranges`, as one predicate and its parameters (named after `prefix`)."""
    spans: list[str] = []
    params: dict[str, Any] = {}
    for i, piece in enumerate(ranges):
        start, end = f"{prefix}{i}_start", f"{prefix}{i}_end"
        spans.append(f"({column} >= {{{start}:{param_type}}} AND {column} < {{{end}:{param_type}}})")
        params |= {start: time_param(piece.start, digits), end: time_param(piece.end, digits)}
    return f"({' OR '.join(spans)})", params
