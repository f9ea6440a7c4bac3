"""`unpriced_model`: calls of a model are being stored without a price.

The cost job stores a call no catalog entry prices as unpriced, with a reason that says what to
add (pipelines/costs/pricing.py); its spend is then missing from every dollar figure. This fires
per provider and model with at least `min_calls` unpriced calls in the last `window`, and stops
once they are priced (a reprice replaces the cost rows). The evidence carries the reasons, the
services sending the calls and when the first and last were seen.

Sharing a query: one count of unpriced calls per minute over the longest window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl
from pydantic import Field

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant
from detectors.frames import within
from detectors.selection import Filtered, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_costs as q

KEYS = ("provider", "model")


class Params(Filtered):
    DIMENSIONS = ("project", "service")

    window: Duration = Field(timedelta(hours=1), description="Unpriced calls in this window count.")
    min_calls: int = Field(1, ge=1, description="Unpriced calls of a model in the window that fire.")
    self_hosted: tuple[str, ...] = Field((), description=(
        "Providers that run on your GPUs (the service passes gpu.self_hosted_providers): their calls are priced "
        "by GPU time, never by tokens, so no token price is not a missing price (the GPU pages show GPU hours "
        "without a price)."))


def lookback(p: Params) -> timedelta:
    return p.window


def merge_params(rules: Sequence[Params]) -> Params:
    return Params(**query_selection(rules), window=max(r.window for r in rules),
                  self_hosted=tuple(sorted(set().union(*(r.self_hosted for r in rules)))))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    return q.unpriced_minutes(store, p.where, since, until)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    rows = selected(within(frame, now, p.window), p)
    rows = rows.filter(~pl.col("provider").str.to_lowercase().is_in([h.lower() for h in p.self_hosted]))
    found = rows.group_by(KEYS).agg(
        pl.col("calls").sum(), pl.col("first_seen").min(), pl.col("last_seen").max(),
        pl.col("reason").unique().sort(), pl.col("service").unique().sort())
    signals = []
    for row in found.filter(pl.col("calls") >= p.min_calls).sort(list(KEYS)).iter_rows(named=True):
        evidence = {"calls": row["calls"], "reasons": row["reason"], "services": row["service"],
                    "first_seen": instant(row["first_seen"]), "last_seen": instant(row["last_seen"]),
                    "window": {"start": instant(now - p.window), "end": instant(now)}}
        signals.append(Signal(labels_of(row, KEYS), float(row["calls"]), float(p.min_calls), evidence))
    return signals


DETECTOR = Detector(name="unpriced_model", summary="Calls of a model stored without a price (spend missing).",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
