"""Where the questions about calls read: the plan's pieces (store/queries/rollup_plan.py) as one subquery.

Each source gives partial aggregates of its pieces with the same columns (counts, token sums and
mergeable percentile states), and the caller's outer query merges them, so a bucket or a model that
spans hours, minutes and raw calls is aggregated once. Every percentile state is the rollups' sketch
(`quantilesTiming` of log-scale codes; migration 24), raw calls included: deterministic and within
1.2 % of the value at its rank, and the same answer whichever source a minute is read from, so a
number on the dashboard does not move when the rollup job catches up with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.base import Store
from store.params import NS_TYPE, S_TYPE
from store.queries import call_rollup, minute_rollups
from store.queries.filters import Filters
from store.queries.minute_rollups import ranges_where
from store.queries.rollup_plan import Piece, needs_raw
from store.tables import CALL_DAYS, CALL_HOURS, CALL_MINUTES

_TOKENS = ("input", "output", "cache_read", "cache_write", "reasoning")
_LEVELS = call_rollup.LEVELS


@dataclass(frozen=True)
class _Source:
    table: str
    time: str       # the time column
    param_type: str
    digits: int     # the time parameters' fractional digits


_SOURCES = {"raw": _Source("llm_calls", "timestamp", NS_TYPE, 6),
            "minutes": _Source(CALL_MINUTES, "period", S_TYPE, 0),
            "hours": _Source(CALL_HOURS, "period", S_TYPE, 0),
            "days": _Source(CALL_DAYS, "period", S_TYPE, 0)}


def _measures(source: str) -> dict[str, str]:
    """Partial aggregates of a source, by output name (percentile states as the rollups keep them)."""
    if source != "raw":
        return {"requests": "sum(calls)", "errors": "sum(error_calls)",
                **{f"{k}_tokens": f"sum({k}_tokens_sum)" for k in _TOKENS},
                "streamed": "sum(streamed_calls)",
                "latency": f"quantilesTimingMergeState({_LEVELS})(duration_sketch)",
                "ttft": f"quantilesTimingMergeState({_LEVELS})(ttft_sketch)"}
    duration, ttft = call_rollup.duration_code("duration_ns"), call_rollup.duration_code("ifNull(ttft_ns, 0)")
    return {"requests": "count()", "errors": "countIf(status = 'error')",
            **{f"{k}_tokens": f"sum({k}_tokens)" for k in _TOKENS},
            "streamed": "countIf(ttft_ns IS NOT NULL)",
            "latency": f"quantilesTimingState({_LEVELS})({duration})",
            "ttft": f"quantilesTimingStateIf({_LEVELS})({ttft}, ttft_ns IS NOT NULL)"}


@dataclass(frozen=True)
class Partials:
    """The union of the pieces' partial aggregates (`sql`, a subquery) and its parameters (`merge` renders the
    merge of a percentile state column)."""

    sql: str
    params: dict[str, Any]

    @staticmethod
    def merge(state: str) -> str:
        """The p50/p95/p99 array, in nanoseconds, of the merged `state` column (latency or ttft)."""
        return call_rollup.decoded(f"quantilesTimingMerge({_LEVELS})({state})")


def pieces(store: Store, f: Filters, step_seconds: int | None = None) -> list[Piece]:
    """The plan for `f` (store/queries/minute_rollups.py); a filter on a column the rollups lack reads raw."""
    return minute_rollups.pieces(store, call_rollup.CALLS, f.since, f.until, step_seconds, needs_raw(f.extra))


def partials(f: Filters, plan_pieces: list[Piece], keys: Callable[[str], dict[str, str]],
             measures: bool = True, final: bool = True) -> Partials:
    """The pieces of `plan_pieces` read with `f`'s dimension filters, grouped by `keys(time column)` (output
    name -> expression), with the partial measures unless `measures` is false. `final`: dedupe (needed
    for counts, not for the distinct values of a filter list)."""
    dimensions, params = f.dimensions_where()
    selects = []
    for name, source in _SOURCES.items():
        ranges = [p for p in plan_pieces if p.source == name]
        if not ranges:
            continue
        within, times = ranges_where(name, source.time, source.param_type, source.digits, ranges)
        params |= times
        grouped = keys(source.time)
        columns = {**grouped, **(_measures(name) if measures else {})}
        where = " AND ".join([within, *dimensions])
        selects.append(f"SELECT {', '.join(f'{expr} AS {alias}' for alias, expr in columns.items())}\n"
                       f"FROM {source.table}{' FINAL' if final else ''}\nWHERE {where}\n"
                       f"GROUP BY {', '.join(grouped)}")
    return Partials("\nUNION ALL\n".join(selects), params)


def read_plan(store: Store, f: Filters, step_seconds: int | None, keys: Callable[[str], dict[str, str]],
              measures: bool = True, final: bool = True) -> Partials:
    """`partials` over the plan for `f` (a convenience for the readers)."""
    return partials(f, pieces(store, f, step_seconds), keys, measures, final)
