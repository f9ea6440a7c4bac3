"""The contract between the detectors and whoever runs them (the alert engine, a backtest, a test).

A detector is four functions over one typed `Params`:

- `lookback(params)`: how much history `detect` needs before `now`;
- `series(store, params, since, until)`: the I/O, one named query (store/queries/) returning a
  Polars frame with a `time` column on every row: the moment the row's data was complete (the
  end of its bucket, or the instant of an event);
- `detect(frame, params, now)`: pure; reads only rows with `time <= now`, so a backtest loads
  the series once for [since - lookback, until] and calls `detect` at every step;
- `merge_params(params_list)`: the params whose one `series` call serves every rule of the
  detector (union of the dimensions grouped and filtered on, the longest look-back, the finest
  grain); each rule's own filters, groups and thresholds are applied in `detect`.

A `Signal` is one alert instance's worth of finding: `labels` say *which* instance (the
dimensions: service, model, host; never the detector's params), `value` and `threshold` are
what `{{ $value }}` prints, `evidence` is what a person needs to act (baseline, window, top
contributors), JSON-serialisable with money as exact decimal strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError

from store.base import Store


@dataclass(frozen=True)
class Signal:
    """One finding of one detector at one time."""

    labels: dict[str, str]
    value: float
    threshold: float
    evidence: dict[str, Any]


class DetectorParams(BaseModel):
    """Base of every detector's params: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=DetectorParams)


class UnknownDetector(KeyError):
    """A rule names a detector that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Detector(Generic[P]):
    """One detector: its name (the `detector:` of rules), its params model and its four functions."""

    name: str
    summary: str
    Params: type[P]
    lookback: Callable[[P], timedelta]
    series: Callable[[Store, P, datetime, datetime], pl.DataFrame]
    detect: Callable[[pl.DataFrame, P, datetime], list[Signal]]
    merge_params: Callable[[Sequence[P]], P]

    def params(self, raw: dict[str, Any] | None) -> P:
        """Validate a rule's `params:` mapping; a bad one raises ValueError naming the detector and the field."""
        try:
            return self.Params.model_validate(raw or {})
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}"
                                 for e in error.errors())
            raise ValueError(f"detector {self.name}: {problems}") from None


def run_rules(detector: Detector[P], store: Store, rules: Sequence[P], now: datetime) -> list[list[Signal]]:
    """Evaluate several rules of one detector at `now` with one query: the signals of each rule, in order."""
    if not rules:
        return []
    merged = detector.merge_params(rules)
    frame = detector.series(store, merged, now - detector.lookback(merged), now)
    return [detector.detect(frame, params, now) for params in rules]
