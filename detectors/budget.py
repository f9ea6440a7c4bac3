"""`budget`: a monthly budget forecast to be exceeded before month end, or its soft/hard threshold crossed.

Budgets are configuration (`costs.budgets`: scope, value, monthly amount, soft and hard fractions;
pipelines/costs/budgets.py); a rule lists the budgets it watches in `budgets` (same fields), and
`check` says what fires:
- `forecast`: the month-end forecast (pipelines/costs/forecast.py: weekday profile and trend over
  the last 28 days) reaches the hard threshold, once the forecast has `min_history_days` of history;
- `soft` / `hard`: month-to-date spend has reached that threshold.
Spend is read per hour and only complete hours count, so month-to-date is as of the last whole
hour and the forecast is made at that hour. The evidence is the budget's state as the API reports it.

Sharing a query: one hourly spend read per budget scope (project, team, feature from the rollup,
user from the cost rows) for the union of the rules' budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

import polars as pl
from pydantic import Field

from detectors.base import Detector, DetectorParams, Signal
from detectors.evidence import instant
from detectors.frames import floor_time, within
from pipelines.costs.budgets import Budget, evaluate
from pipelines.costs.forecast import forecast_month_end
from store.base import Store
from store.queries import detectors_costs as q

HOUR = timedelta(hours=1)
# The forecast's 28 days of history before today, or the month so far, whichever reaches further back.
LOOKBACK = timedelta(days=32)
FRAME_SCHEMA = pl.Schema({"time": pl.Datetime("us", "UTC"), "value": pl.String(), "cost": pl.Decimal(38, 12),
                          "scope": pl.String()})


class Params(DetectorParams):
    budgets: tuple[Budget, ...] = Field((), description=(
        "The budgets watched, as in the costs.budgets settings (name, scope, value, monthly, soft, hard)."))
    check: Literal["forecast", "soft", "hard"] = Field("forecast", description=(
        "forecast: the month-end forecast reaches the hard threshold; soft/hard: month-to-date has reached it."))
    min_history_days: int = Field(7, ge=0, le=28, description="Days of spend the forecast needs before it is trusted.")


def lookback(p: Params) -> timedelta:
    return LOOKBACK


def merge_params(rules: Sequence[Params]) -> Params:
    return rules[0].model_copy(update={"budgets": tuple(dict.fromkeys(b for r in rules for b in r.budgets))})


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    """Spend per hour of each budget's scope value."""
    scopes: dict[str, set[str]] = {}
    for b in p.budgets:
        scopes.setdefault(b.scope, set()).add(b.value)
    frames = [q.scope_spend(store, scope, sorted(values), since, until).with_columns(pl.lit(scope).alias("scope"))
              for scope, values in sorted(scopes.items())]
    return pl.concat([f.cast(FRAME_SCHEMA) for f in frames]) if frames else pl.DataFrame(schema=FRAME_SCHEMA)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    end = floor_time(now, HOUR)
    rows = within(frame, end, LOOKBACK)
    signals = []
    for budget in p.budgets:
        daily = _daily(rows.filter((pl.col("scope") == budget.scope) & (pl.col("value") == budget.value)))
        forecast = forecast_month_end(daily, end)
        if p.check == "forecast":
            value, fraction = forecast.month_end, budget.hard
            if forecast.history_days < p.min_history_days:
                continue
        else:
            value, fraction = forecast.month_to_date, budget.soft if p.check == "soft" else budget.hard
        threshold = budget.monthly * fraction
        if value >= threshold:
            evidence = {**evaluate(budget, daily, end).as_evidence(), "as_of": instant(end),
                        "forecast_history_days": forecast.history_days}
            labels = {"budget": budget.name, "scope": budget.scope, budget.scope: budget.value}
            signals.append(Signal(labels, float(value), float(threshold), evidence))
    return signals


def _daily(rows: pl.DataFrame) -> dict[date, Decimal]:
    """Spend per UTC day (an hour's row counts on the day the hour started)."""
    days = rows.group_by((pl.col("time") - HOUR).dt.date().alias("day")).agg(pl.col("cost").sum())
    return dict(days.iter_rows())


DETECTOR = Detector(name="budget", summary="A monthly budget forecast to be exceeded, or its threshold crossed.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
