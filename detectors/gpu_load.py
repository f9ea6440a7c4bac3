"""`gpu_saturated` and `gpu_memory_low`: GPUs running flat out, or about to run out of memory.

Both read one-minute means per GPU (store/queries/gpu.py `timeseries`, from the minute rollup,
preferred source only) over the last `window`:
- saturated: mean utilisation >= `max_utilization` (queues grow, latency follows);
- memory low: headroom = 1 - mean used / total below `min_headroom` (the next long prompt or a
  bigger batch is an out-of-memory error). Servers that reserve memory up front (vLLM keeps 90 %
  by default) sit at 10 % headroom by design, hence the 5 % default.
A window is judged only when at least `min_coverage` of its minutes have samples: unknown is
neither busy nor full (the `no_data` detector speaks about silent GPUs). Grouped coarser than a
GPU (by host), a minute's utilisation is the mean over its GPUs and memory is summed.

Sharing a query: one minute series over the union of the rules' dimensions and the longest window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl
from pydantic import Field

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant, rounded
from detectors.frames import within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import gpu
from store.queries.filters import Filters

MINUTE = timedelta(minutes=1)
# Frame dimension -> column of store/queries/gpu.py's series.
COLUMNS = {"project": "project", "host": "host_name", "gpu": "gpu_uuid", "mig_instance": "mig_instance"}


class Params(Grouped):
    DIMENSIONS = tuple(COLUMNS)

    group_by: tuple[str, ...] = Field(("host", "gpu"), description="One signal per GPU by default.")
    window: Duration = Field(timedelta(minutes=15), description="The minutes judged, ending at the last complete one.")
    min_coverage: float = Field(0.8, gt=0, le=1, description="Share of the window's minutes that must have samples.")


class SaturatedParams(Params):
    max_utilization: float = Field(0.95, gt=0, le=1, description="Mean utilisation (0-1) at or above which it fires.")


class MemoryParams(Params):
    min_headroom: float = Field(0.05, gt=0, lt=1, description="Free share of GPU memory below which it fires.")


def lookback(p: Params) -> timedelta:
    return p.window


def _merge(params_type: type[Params]):
    def merge_params(rules: Sequence[Params]) -> Params:
        return params_type(**query_selection(rules), window=max(r.window for r in rules))
    return merge_params


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    """Per GPU and minute (time = the minute's end): utilisation, memory used and total."""
    where = {COLUMNS[name]: values for name, values in p.where.items()}
    filters = Filters(since, until, projects=where.pop("project", ()), extra={
        k: v for k, v in where.items() if k == "host_name"})
    frame = pl.from_arrow(gpu.timeseries(store, gpu.GpuFilters(filters, gpus=where.get("gpu_uuid", ())), 60))
    assert isinstance(frame, pl.DataFrame)
    frame = frame.select((pl.col("bucket").cast(pl.Datetime("us", "UTC")) + MINUTE).alias("time"),
                         *(pl.col(c).cast(pl.String).alias(n) for n, c in COLUMNS.items()),
                         "utilization", "memory_used_bytes", "memory_total_bytes")
    return selected(frame, p)


def _minutes(frame: pl.DataFrame, p: Params, now: datetime) -> pl.DataFrame:
    """Per group and minute of the window: mean utilisation, memory used and total summed over its GPUs."""
    rows = selected(within(frame, now, p.window), p).with_columns(pl.lit("").alias("__all__"))
    keys = list(p.group_by) or ["__all__"]
    return rows.group_by([*keys, "time"]).agg(
        pl.col("utilization").mean(), pl.col("memory_used_bytes").sum(), pl.col("memory_total_bytes").sum(),
        pl.col("memory_used_bytes").is_not_null().any().alias("has_memory"))


def _judged(minutes: pl.DataFrame, p: Params, covered: pl.Expr, **measures: pl.Expr) -> pl.DataFrame:
    """Per group with enough covered minutes: each of `measures` over the window's covered minutes."""
    keys = list(p.group_by) or ["__all__"]
    need = p.min_coverage * (p.window / MINUTE)
    return (minutes.filter(covered).group_by(keys)
            .agg(*(e.alias(n) for n, e in measures.items()), pl.len().alias("minutes"))
            .filter(pl.col("minutes") >= need))


def _window(p: Params, now: datetime, minutes: int) -> dict:
    return {"start": instant(now - p.window), "end": instant(now), "minutes_with_samples": minutes}


def detect_saturated(frame: pl.DataFrame, p: SaturatedParams, now: datetime) -> list[Signal]:
    judged = _judged(_minutes(frame, p, now), p, pl.col("utilization").is_not_null(),
                     utilization=pl.col("utilization").mean())
    signals = []
    for row in judged.filter(pl.col("utilization") >= p.max_utilization).iter_rows(named=True):
        evidence = {"window": _window(p, now, row["minutes"]), "utilization_mean": rounded(row["utilization"], 4)}
        signals.append(Signal(labels_of(row, p.group_by), round(row["utilization"], 6), p.max_utilization, evidence))
    return signals


def detect_memory(frame: pl.DataFrame, p: MemoryParams, now: datetime) -> list[Signal]:
    judged = _judged(_minutes(frame, p, now), p, pl.col("has_memory") & (pl.col("memory_total_bytes") > 0),
                     used=pl.col("memory_used_bytes").mean(), total=pl.col("memory_total_bytes").mean())
    signals = []
    for row in judged.with_columns((1 - pl.col("used") / pl.col("total")).alias("headroom")) \
            .filter(pl.col("headroom") < p.min_headroom).iter_rows(named=True):
        evidence = {"window": _window(p, now, row["minutes"]), "headroom": rounded(row["headroom"], 4),
                    "memory_used_mean_bytes": int(row["used"]), "memory_total_mean_bytes": int(row["total"])}
        signals.append(Signal(labels_of(row, p.group_by), round(row["headroom"], 6), p.min_headroom, evidence))
    return signals


SATURATED = Detector(name="gpu_saturated", summary="GPUs at or near full utilisation for a whole window.",
                     Params=SaturatedParams, lookback=lookback, series=series, detect=detect_saturated,
                     merge_params=_merge(SaturatedParams))
MEMORY_LOW = Detector(name="gpu_memory_low", summary="GPUs with little free memory left over a window.",
                      Params=MemoryParams, lookback=lookback, series=series, detect=detect_memory,
                      merge_params=_merge(MemoryParams))
