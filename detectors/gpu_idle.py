"""`gpu_idle`: a GPU host wasting money: idle GPU dollars over a window, from the GPU cost job.

The GPU cost job (pipelines/gpu/job.py) prices every host-hour and keeps what no call used as
`idle`; this fires when a host's idle dollars over the last `window` of complete hours reach
`min_idle_usd` *and* are at least `min_idle_share` of its GPU cost, so neither a cheap idle GPU
nor a busy expensive host (small idle share, large absolute idle) pages. Host-hours with an
unpriced GPU have no idle dollars (never 0): they add nothing and are counted in the evidence.

Sharing a query: one `host_costs` read (store/queries/gpu_costs.py) per hour and host, over the
longest window; each rule sums its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl
from pydantic import Field, field_validator

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant, money, rounded
from detectors.frames import ceil_time, floor_time, within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import gpu_costs
from store.queries.filters import Filters

HOUR = timedelta(hours=1)


class Params(Grouped):
    DIMENSIONS = ("host",)

    group_by: tuple[str, ...] = Field(("host",), description="One signal per GPU host.")
    window: Duration = Field(timedelta(hours=6), description="Complete hours whose idle dollars are summed.")
    min_idle_usd: Decimal = Field(Decimal(10), ge=0, description="Idle dollars in the window that fire.")
    min_idle_share: float = Field(0.5, ge=0, le=1, description="... when also at least this share of the GPU cost.")

    @field_validator("window")
    @classmethod
    def _whole_hours(cls, value: timedelta) -> timedelta:
        if value % HOUR:
            raise ValueError("window: a whole number of hours (GPU cost is computed per hour)")
        return value


def lookback(p: Params) -> timedelta:
    return p.window


def merge_params(rules: Sequence[Params]) -> Params:
    return Params(**query_selection(rules), window=max(r.window for r in rules))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    """Per host and hour (time = the hour's end): GPU cost, idle, calls, GPUs, unpriced hours."""
    f = Filters(floor_time(since, HOUR), ceil_time(until, HOUR))
    table = gpu_costs.host_costs(store, f, step_seconds=3600)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.select((pl.col("bucket").cast(pl.Datetime("us", "UTC")) + HOUR).alias("time"),
                         pl.col("host_name").cast(pl.String).alias("host"), "gpu_cost", "idle", "calls", "gpu_count",
                         "unpriced_hours")
    return selected(frame, p)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    end = floor_time(now, HOUR)
    rows = selected(within(frame, end, p.window), p)
    sums = rows.group_by(p.group_by).agg(
        pl.col("idle").sum(), pl.col("gpu_cost").sum(), pl.col("calls").sum(), pl.col("gpu_count").max(),
        pl.col("unpriced_hours").sum(), pl.len().alias("hours"))
    signals = []
    for row in sums.iter_rows(named=True):
        idle, cost = row["idle"] or Decimal(0), row["gpu_cost"] or Decimal(0)
        share = float(idle / cost) if cost else 0.0
        if idle >= p.min_idle_usd and idle > 0 and share >= p.min_idle_share:
            evidence = {"window": {"start": instant(end - p.window), "end": instant(end)},
                        "idle_usd": money(idle), "gpu_cost_usd": money(cost), "idle_share": rounded(share, 4),
                        "calls": row["calls"], "gpus": row["gpu_count"], "hours": row["hours"],
                        "unpriced_hours": row["unpriced_hours"]}
            signals.append(Signal(labels_of(row, p.group_by), float(idle), float(p.min_idle_usd), evidence))
    return signals


DETECTOR = Detector(name="gpu_idle", summary="A GPU host's idle dollars over a window (from the GPU cost job).",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
