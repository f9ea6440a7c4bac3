"""`latency_regression` and `ttft_regression`: a latency quantile per model/provider well above its baseline.

The quantile (p95 by default) of the last `window` of successful calls is compared with the same
quantile over the `baseline` just before it; it fires when it is both `ratio` times the baseline
and `min_increase_ms` above it, with enough calls on both sides (`min_calls`,
`min_baseline_calls`) that one slow call among few never pages. Time to first token is the same
test on streaming calls' `ttft` (calls without one are not counted).

Quantiles come from log-scale histograms (store/queries/detectors_calls.py): 16 bins per
doubling, read at the bin's geometric middle, so a quantile is within 2.2 % of the exact one.

Sharing a query: rules are merged into one histogram over the union of their dimensions, at the
greatest common step, covering the longest window + baseline; each rule sums its own windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import reduce

import polars as pl
from pydantic import Field, model_validator

from detectors.base import Detector, Signal
from detectors.durations import Duration, whole_steps
from detectors.evidence import instant, rounded
from detectors.frames import within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_calls as q


class Params(Grouped):
    DIMENSIONS = tuple(q.DIMENSIONS)

    group_by: tuple[str, ...] = Field(("provider", "model"), description="Dimensions of a latency series.")
    window: Duration = Field(timedelta(minutes=30), description="The recent calls judged.")
    baseline: Duration = Field(timedelta(days=1), description="The calls just before the window, compared with.")
    step: Duration = Field(timedelta(minutes=5), description=(
        "Histogram bucket (the query's grain); window and baseline are whole multiples of it."))
    quantile: float = Field(0.95, gt=0, lt=1, description="The latency quantile compared.")
    ratio: float = Field(1.5, gt=1, description="The window's quantile must be at least this multiple of the baseline's.")
    min_increase_ms: float = Field(250, ge=0, description="... and at least this many milliseconds above it.")
    min_calls: int = Field(50, ge=1, description="Calls the window needs to be judged.")
    min_baseline_calls: int = Field(200, ge=1, description="Calls the baseline needs.")

    @model_validator(mode="after")
    def _whole_steps(self) -> Params:
        whole_steps(self.step, window=self.window, baseline=self.baseline)
        return self


class TtftParams(Params):
    min_increase_ms: float = Field(100, ge=0, description="The window's quantile must be this many ms above baseline.")


def lookback(p: Params) -> timedelta:
    return p.window + p.baseline


def _merge(params_type: type[Params]):
    def merge_params(rules: Sequence[Params]) -> Params:
        step = timedelta(seconds=reduce(math.gcd, (int(r.step.total_seconds()) for r in rules)))
        window = max(r.window for r in rules)
        return params_type(**query_selection(rules), step=step, window=window,
                           baseline=max(lookback(r) for r in rules) - window)
    return merge_params


def _series(latency: str):
    def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
        """Histogram counts per bucket, dimension and bin, for `latency` (duration or ttft)."""
        frame = q.latency_histogram(store, latency, p.columns, p.where, since, until, p.step)
        return frame.with_columns(pl.col("bin").cast(pl.Int32), pl.col("calls").cast(pl.Int64))
    return series


def _quantile(q_: float) -> pl.Expr:
    """The bin holding quantile `q_` of a group's (bin, calls) rows."""
    calls = pl.col("calls").sort_by("bin")
    return pl.col("bin").sort().filter(calls.cum_sum() >= (calls.sum() * q_).ceil()).first()


def _ms(bin_: int) -> float:
    return 2 ** ((bin_ + 0.5) / q.BINS_PER_OCTAVE)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    rows = selected(within(frame, now, lookback(p)), p)
    if rows.is_empty():
        return []
    keys = list(p.group_by) or ["__all__"]
    rows = rows.with_columns(pl.lit("").alias("__all__"), (pl.col("time") > now - p.window).alias("current"))
    bins = rows.group_by([*keys, "current", "bin"]).agg(pl.col("calls").sum())
    stats = bins.group_by([*keys, "current"]).agg(
        pl.col("calls").sum().alias("n"), _quantile(p.quantile).alias("q"), _quantile(0.5).alias("p50"))
    current = stats.filter(pl.col("current") & (pl.col("n") >= p.min_calls))
    baseline = stats.filter(~pl.col("current") & (pl.col("n") >= p.min_baseline_calls))
    signals = []
    for row in current.join(baseline, on=keys, suffix="_base").iter_rows(named=True):
        now_ms, base_ms = _ms(row["q"]), _ms(row["q_base"])
        bound = max(p.ratio * base_ms, base_ms + p.min_increase_ms)
        if now_ms < bound:
            continue
        name = f"p{round(p.quantile * 100, 1):g}_ms"
        evidence = {
            "quantile": p.quantile,
            "window": {"start": instant(now - p.window), "end": instant(now), "calls": row["n"],
                       name: rounded(now_ms, 1), "p50_ms": rounded(_ms(row["p50"]), 1)},
            "baseline": {"start": instant(now - lookback(p)), "end": instant(now - p.window), "calls": row["n_base"],
                         name: rounded(base_ms, 1), "p50_ms": rounded(_ms(row["p50_base"]), 1)},
            "ratio": rounded(now_ms / base_ms, 3), "increase_ms": rounded(now_ms - base_ms, 1),
            "resolution": "quantiles from log-scale histograms, within 2.2 %",
        }
        signals.append(Signal(labels_of(row, p.group_by), round(now_ms, 3), round(bound, 3), evidence))
    return signals


LATENCY = Detector(name="latency_regression", summary="A model's p95 latency well above its recent baseline.",
                   Params=Params, lookback=lookback, series=_series("duration"), detect=detect,
                   merge_params=_merge(Params))
TTFT = Detector(name="ttft_regression", summary="A model's p95 time to first token well above its recent baseline.",
                Params=TtftParams, lookback=lookback, series=_series("ttft"), detect=detect,
                merge_params=_merge(TtftParams))
