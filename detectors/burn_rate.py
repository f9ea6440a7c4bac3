"""`error_burn_rate`: an error-rate SLO's budget burning too fast, multi-window, multi-burn-rate.

The SLO is on LLM calls per service (`group_by`): good = not `status = error` (`unset` counts as
ok), objective (e.g. 0.99) over a period (30d). The error budget is 1 - objective; a window's
burn rate is its error ratio / budget (1 = the budget lasts exactly the period). As in the SRE
workbook (ch. 5, table 5-8), each tier pairs a long window with a short one (1/12 of it) and
fires when *both* burn faster than the tier's rate: the long window gives significance, the
short one makes the alert stop soon after the errors do. Default tiers for a 30-day period:
14.4x over 1h and 5m, 6x over 6h and 30m (2 % and 5 % of the budget: page), 1x over 3d and 6h
(10 %: ticket). For another period keep the budget shares: burn = share x period / long window.
Each firing tier is its own signal, labelled `burn_window="1h/5m"`, so routing can page on the
fast tiers and ticket the slow one. A long window with fewer than `min_calls` calls or
`min_errors` errors is not judged: on a quiet service one error is a large ratio and no evidence.

Sharing a query: one count of calls and errors per minute over the union of the rules'
dimensions and the longest window; every rule sums its own windows from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from detectors.base import Detector, Signal
from detectors.durations import Duration, format_duration
from detectors.evidence import instant, rounded
from detectors.frames import within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_calls as q


class BurnWindow(BaseModel):
    """One tier: the long and short windows and the burn rate both must exceed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    long: Duration
    short: Duration
    burn_rate: float = Field(gt=0)

    @model_validator(mode="after")
    def _short_is_shorter(self) -> BurnWindow:
        if self.short >= self.long:
            raise ValueError(f"short window {format_duration(self.short)} must be shorter than long window "
                             f"{format_duration(self.long)}")
        return self

    @property
    def label(self) -> str:
        return f"{format_duration(self.long)}/{format_duration(self.short)}"


SRE_WORKBOOK = tuple(BurnWindow(long=timedelta(hours=long), short=timedelta(minutes=short), burn_rate=rate)
                     for long, short, rate in ((1, 5, 14.4), (6, 30, 6), (72, 360, 1)))


class Params(Grouped):
    DIMENSIONS = tuple(q.DIMENSIONS)

    group_by: tuple[str, ...] = Field(("service",), description="Dimensions of an SLO: one per service by default.")
    objective: float = Field(0.99, gt=0, lt=1, description="Share of calls that must not fail over the period.")
    period: Duration = Field(timedelta(days=30), description="The SLO period the error budget is spread over.")
    windows: tuple[BurnWindow, ...] = Field(SRE_WORKBOOK, min_length=1, description=(
        "Tiers {long, short, burn_rate}; default the SRE workbook's 14.4x 1h/5m, 6x 6h/30m, 1x 3d/6h."))
    min_calls: int = Field(20, ge=1, description="Calls a long window needs before it is judged.")
    min_errors: int = Field(5, ge=1, description=(
        "Errors a long window needs: a few errors among few calls is noise, not a burning budget."))

    @property
    def budget(self) -> float:
        return 1 - self.objective


def lookback(p: Params) -> timedelta:
    return max(w.long for w in p.windows)


def merge_params(rules: Sequence[Params]) -> Params:
    return Params(**query_selection(rules), windows=tuple(dict.fromkeys(w for r in rules for w in r.windows)))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    """Calls and errors per minute (time = the minute's end) by every dimension a rule needs."""
    frame = q.error_counts(store, p.columns, p.where, since, until)
    return frame.with_columns(pl.col("calls").cast(pl.Int64), pl.col("errors").cast(pl.Int64))


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    rows = selected(within(frame, now, lookback(p)), p)
    if rows.is_empty():
        return []
    keys = list(p.group_by) or ["__all__"]
    spans = sorted({d for w in p.windows for d in (w.long, w.short)})
    sums = rows.with_columns(pl.lit("").alias("__all__")).group_by(keys).agg(
        *(pl.col(c).filter(pl.col("time") > now - d).sum().alias(f"{c}_{i}")
          for i, d in enumerate(spans) for c in ("calls", "errors")))
    signals = []
    for row in sums.iter_rows(named=True):
        for tier in p.windows:
            long, short = (_window(row, spans.index(d), d, p) for d in (tier.long, tier.short))
            if long["calls"] < p.min_calls or long["errors"] < p.min_errors or not short["calls"]:
                continue
            if long["burn_rate"] > tier.burn_rate and short["burn_rate"] > tier.burn_rate:
                signals.append(_signal(row, tier, long, short, p, now))
    return signals


def _window(row: dict, index: int, span: timedelta, p: Params) -> dict:
    calls, errors = row[f"calls_{index}"], row[f"errors_{index}"]
    ratio = errors / calls if calls else 0.0
    return {"window": format_duration(span), "calls": calls, "errors": errors, "error_ratio": ratio,
            "burn_rate": ratio / p.budget}


def _signal(row: dict, tier: BurnWindow, long: dict, short: dict, p: Params, now: datetime) -> Signal:
    evidence = {
        "objective": p.objective, "period": format_duration(p.period), "error_budget": rounded(p.budget, 9),
        "burn_rate_threshold": tier.burn_rate, "at": instant(now),
        "long": {**long, "error_ratio": rounded(long["error_ratio"]), "burn_rate": rounded(long["burn_rate"], 3)},
        "short": {**short, "error_ratio": rounded(short["error_ratio"]), "burn_rate": rounded(short["burn_rate"], 3)},
        # Share of the whole period's budget the long window used up.
        "budget_consumed": rounded(long["burn_rate"] * (tier.long / p.period), 4),
    }
    labels = {**labels_of(row, p.group_by), "burn_window": tier.label}
    return Signal(labels, round(long["burn_rate"], 6), tier.burn_rate, evidence)


DETECTOR = Detector(name="error_burn_rate", summary="An error-rate SLO burning its budget too fast (multi-window).",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
