"""Where the questions about calls read: the plan's pieces (store/queries/rollup_plan.py) as one subquery.

Each source gives partial aggregates of its pieces with the same columns (counts, token sums and
mergeable percentile states), and the caller's outer query merges them, so a bucket or a model that
spans hours, minutes and raw calls is aggregated once. Whenever a rollup takes part, every percentile
state is the rollups' sketch (`quantilesTiming` of log-scale codes; migration 24); a question read
wholly from `llm_calls` keeps the reservoir sample of `quantiles` it always had. Both are approximate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from store.base import Store
from store.params import NS_TYPE, S_TYPE, time_param
from store.queries import call_rollup, watermarks
from store.queries.filters import Filters
from store.queries.rollup_plan import MAX_DIRTY, Piece, floor_minute, needs_raw, plan
from store.tables import CALL_HOURS, CALL_MINUTES

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
            "hours": _Source(CALL_HOURS, "period", S_TYPE, 0)}


def _measures(source: str, sketch: bool) -> dict[str, str]:
    """Partial aggregates of a source, by output name (`sketch`: percentile states as the rollups keep them)."""
    if source != "raw":
        return {"requests": "sum(calls)", "errors": "sum(error_calls)",
                **{f"{k}_tokens": f"sum({k}_tokens_sum)" for k in _TOKENS},
                "streamed": "sum(streamed_calls)",
                "latency": f"quantilesTimingMergeState({_LEVELS})(duration_sketch)",
                "ttft": f"quantilesTimingMergeState({_LEVELS})(ttft_sketch)"}
    duration, ttft = "duration_ns", "ifNull(ttft_ns, 0)"
    if sketch:
        duration, ttft = call_rollup.duration_code(duration), call_rollup.duration_code(ttft)
    estimator = "quantilesTiming" if sketch else "quantiles"
    return {"requests": "count()", "errors": "countIf(status = 'error')",
            **{f"{k}_tokens": f"sum({k}_tokens)" for k in _TOKENS},
            "streamed": "countIf(ttft_ns IS NOT NULL)",
            "latency": f"{estimator}State({_LEVELS})({duration})",
            "ttft": f"{estimator}StateIf({_LEVELS})({ttft}, ttft_ns IS NOT NULL)"}


@dataclass(frozen=True)
class Partials:
    """The union of the pieces' partial aggregates (`sql`, a subquery), its parameters, and whether their
    percentile states are the rollups' sketch (`merge` renders the merge of a state column)."""

    sql: str
    params: dict[str, Any]
    sketch: bool

    def merge(self, state: str) -> str:
        """The p50/p95/p99 array, in nanoseconds, of the merged `state` column (latency or ttft)."""
        if self.sketch:
            return call_rollup.decoded(f"quantilesTimingMerge({_LEVELS})({state})")
        return f"quantilesMerge({_LEVELS})({state})"


def pieces(store: Store, f: Filters, step_seconds: int | None = None) -> list[Piece]:
    """The plan for `f`: the rollup job's watermark says what the rollups cover, the calls ingested since
    (less its look-back) which minutes they miss."""
    mark = None if needs_raw(f.extra) else watermarks.watermark(store, call_rollup.JOB_NAME)
    if mark is None:
        return [Piece("raw", f.since, f.until)]
    mark = mark if mark.tzinfo else mark.replace(tzinfo=timezone.utc)
    covered = floor_minute(mark)
    dirty = call_rollup.dirty_minutes(store, mark - call_rollup.LOOKBACK, f.since, min(f.until, covered),
                                      MAX_DIRTY + 1)
    return plan(f.since, f.until, covered, dirty, step_seconds)


def partials(f: Filters, plan_pieces: list[Piece], keys: Callable[[str], dict[str, str]],
             measures: bool = True, final: bool = True) -> Partials:
    """The pieces of `plan_pieces` read with `f`'s dimension filters, grouped by `keys(time column)` (output
    name -> expression), with the partial measures unless `measures` is false. `final`: dedupe (needed
    for counts, not for the distinct values of a filter list)."""
    sketch = any(p.source != "raw" for p in plan_pieces)
    dimensions, params = f.dimensions_where()
    selects = []
    for name, source in _SOURCES.items():
        ranges = [p for p in plan_pieces if p.source == name]
        if not ranges:
            continue
        spans = []
        for i, piece in enumerate(ranges):
            start, end = f"{name}{i}_start", f"{name}{i}_end"
            spans.append(f"({source.time} >= {{{start}:{source.param_type}}} AND "
                         f"{source.time} < {{{end}:{source.param_type}}})")
            params |= {start: time_param(piece.start, source.digits), end: time_param(piece.end, source.digits)}
        grouped = keys(source.time)
        columns = {**grouped, **(_measures(name, sketch) if measures else {})}
        where = " AND ".join([f"({' OR '.join(spans)})", *dimensions])
        selects.append(f"SELECT {', '.join(f'{expr} AS {alias}' for alias, expr in columns.items())}\n"
                       f"FROM {source.table}{' FINAL' if final else ''}\nWHERE {where}\n"
                       f"GROUP BY {', '.join(grouped)}")
    return Partials("\nUNION ALL\n".join(selects), params, sketch)


def read_plan(store: Store, f: Filters, step_seconds: int | None, keys: Callable[[str], dict[str, str]],
              measures: bool = True, final: bool = True) -> Partials:
    """`partials` over the plan for `f` (a convenience for the readers)."""
    return partials(f, pieces(store, f, step_seconds), keys, measures, final)
