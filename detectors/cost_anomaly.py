"""`cost_anomaly`: spend per hour and group far above its own seasonal baseline, with the dollars to matter.

AI spend follows the day and the week, and explodes in minutes (a prompt change, an agent loop),
so each group's last `window` of complete hours is compared with a robust seasonal baseline:
- **expected** spend of an hour is the median of the same hour-of-week in the previous `weeks`
  weeks (at least two of them), or while a series is younger than two weeks the median of the
  same hour-of-day over the previous seven days (at least three); younger than three days, or
  with less than a day of residuals, a series is not judged (cold start);
- **noise** is the median absolute deviation (x 1.4826) of the residuals, spend - expected, over
  the seven days before the window: one scale per series, steadier than a MAD of four points;
- it fires when spend exceeds expected by *all three* margins: `z` noise units (scaled by
  sqrt(hours)), `min_excess_usd` dollars, and `min_ratio` x expected. The dollar floor keeps tiny
  spends from ever paging; the ratio keeps a large steady series from paging on its own noise.
A series starts at its first hour with spend in the look-back; missing hours after that are $0.

Evidence names the top contributors to the excess: per `contributors` dimension (model,
feature, ...) the values whose spend rose most over their own expected spend (same method),
and the `top_users` costliest users of the window (the rollup has no users: they come from the
cost rows, read only for the windows a detection can look at).

Money is exact (Decimal) for spend, expected and excess; the noise margin is a statistical
estimate, rounded to a millionth of a dollar before it joins the bound.

Sharing a query: rules are merged into one `hourly_spend` over the union of their `group_by`,
`where` and `contributors` dimensions (filtered only on what every rule filters on), the
longest window and most weeks; each rule re-aggregates to its own groups in `detect`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant, money, rounded
from detectors.frames import floor_time, within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_costs as q

HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
DAILY_LAGS = 7
MIN_WEEKLY, MIN_DAILY = 2, 3
SCALE_SPAN = timedelta(days=7)
MIN_RESIDUALS = 24
MAD_TO_SIGMA = 1.4826
MICRO = Decimal("0.000001")


class Params(Grouped):
    DIMENSIONS = tuple(q.DIMENSIONS)

    group_by: tuple[str, ...] = Field(("project",), description="Dimensions of a spend series (one signal each).")
    window: Duration = Field(HOUR, description="Complete hours judged together, ending at the last complete hour.")
    weeks: int = Field(4, ge=1, le=8, description="Weeks of same-hour history the expected spend is the median of.")
    z: float = Field(4.0, gt=0, description="Noise units (robust standard deviations) spend must exceed expected by.")
    min_ratio: float = Field(1.5, ge=1, description="Spend must also be at least this multiple of expected.")
    min_excess_usd: Decimal = Field(Decimal(10), ge=0, description=(
        "Spend must also exceed expected by this many dollars: tiny spends never page."))
    contributors: tuple[str, ...] = Field(("model", "feature"), description=(
        "Dimensions whose values' share of the excess the evidence lists."))
    top: int = Field(3, ge=1, le=20, description="Contributors listed per dimension.")
    top_users: int = Field(3, ge=0, le=20, description="Costliest users of the window listed (0: none, no query).")

    @field_validator("window")
    @classmethod
    def _whole_hours(cls, value: timedelta) -> timedelta:
        if value % HOUR:
            raise ValueError("window: a whole number of hours (spend is rolled up by hour)")
        return value

    @field_validator("contributors")
    @classmethod
    def _known_contributors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in q.DIMENSIONS:
                raise ValueError(f"unknown dimension {name!r} (known: {', '.join(q.DIMENSIONS)})")
        return value


def lookback(p: Params) -> timedelta:
    """The weeks of lags for the seven days of residuals before the window, and the window."""
    return p.weeks * WEEK + SCALE_SPAN + p.window


def merge_params(rules: Sequence[Params]) -> Params:
    contributors = tuple(dict.fromkeys(c for r in rules for c in r.contributors))
    return Params(**query_selection(rules), window=max(r.window for r in rules), weeks=max(r.weeks for r in rules),
                  contributors=contributors, top_users=max(r.top_users for r in rules))


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    """Hourly spend by every dimension any rule needs; plus the top users of the hours a detection can judge
    (from the first `now` the range allows, since + lookback, minus the window), with `user` set."""
    dims = tuple(dict.fromkeys((*p.columns, *p.contributors)))
    hourly = q.hourly_spend(store, dims, p.where, since, until).with_columns(pl.lit(None, pl.String).alias("user"))
    if not p.top_users:
        return hourly
    first_window = floor_time(max(since, since + lookback(p) - p.window), HOUR)
    users = q.top_users(store, p.columns, p.where, first_window, until, p.top_users)
    return pl.concat([hourly, users], how="diagonal_relaxed")


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    end = floor_time(now, HOUR)
    rows = selected(within(frame, end, lookback(p)), p)
    spend = rows.filter(pl.col("user").is_null()).with_columns(pl.lit("").alias("__all__"))
    if spend.is_empty():
        return []
    keys = list(p.group_by) or ["__all__"]
    grid = _hourly_grid(spend, keys, end)
    signals = []
    for group in _judged(grid, keys, end, p):
        members = spend.filter(pl.all_horizontal(pl.col(k) == group[k] for k in keys))
        users = rows.filter(pl.col("user").is_not_null() & (pl.col("time") > end - p.window))
        for k in p.group_by:
            users = users.filter(pl.col(k) == group[k])
        signals.append(_signal(group, members, users, p, end))
    return signals


def _hourly_grid(spend: pl.DataFrame, keys: list[str], end: datetime) -> pl.DataFrame:
    """Spend per key and hour from the key's first hour with spend to `end`, missing hours $0."""
    hourly = spend.group_by([*keys, "time"]).agg(pl.col("cost").sum())
    starts = hourly.group_by(keys).agg(pl.col("time").min().alias("start"))
    grid = (starts.with_columns(pl.datetime_ranges(pl.col("start"), pl.lit(end), interval="1h").alias("time"))
            .explode("time"))
    return (grid.join(hourly, on=[*keys, "time"], how="left")
            .with_columns(pl.col("cost").fill_null(Decimal(0))).sort([*keys, "time"]))


def _residuals(grid: pl.DataFrame, keys: list[str], since: datetime, weeks: int) -> pl.DataFrame:
    """Hours after `since` with spend - expected (floats: the noise estimate), where a baseline exists."""
    cost = pl.col("cost").cast(pl.Float64)
    weekly = pl.concat_list([cost.shift(k * 168).over(keys) for k in range(1, weeks + 1)]).list.drop_nulls()
    daily = pl.concat_list([cost.shift(k * 24).over(keys) for k in range(1, DAILY_LAGS + 1)]).list.drop_nulls()
    lagged = grid.with_columns(weekly.alias("weekly"), daily.alias("daily")).filter(pl.col("time") > since)
    expected = (pl.when(pl.col("weekly").list.len() >= MIN_WEEKLY).then(pl.col("weekly").list.median())
                .when(pl.col("daily").list.len() >= MIN_DAILY).then(pl.col("daily").list.median()))
    return lagged.with_columns((cost - expected).alias("residual")).filter(pl.col("residual").is_not_null())


def _judged(grid: pl.DataFrame, keys: list[str], end: datetime, p: Params) -> list[dict[str, Any]]:
    """The groups whose window spend exceeds every margin, with their numbers."""
    scale_end = end - p.window
    residuals = _residuals(grid, keys, scale_end - SCALE_SPAN, p.weeks).filter(pl.col("time") <= scale_end)
    noise = residuals.group_by(keys).agg(
        (pl.col("residual") - pl.col("residual").median()).abs().median().alias("mad"), pl.len().alias("residuals"))
    hours = [end - i * HOUR for i in range(int(p.window / HOUR))]
    out = []
    for group in grid.group_by(keys).agg(pl.col("time"), pl.col("cost"), pl.col("start").first()) \
            .join(noise, on=keys, how="inner").iter_rows(named=True):
        costs = dict(zip(group["time"], group["cost"], strict=True))
        method = _method(hours[-1], group["start"], p.weeks)
        if method is None or group["residuals"] < MIN_RESIDUALS:
            continue  # cold start: no seasonal history yet, or too little for the noise
        spend = sum((costs.get(h, Decimal(0)) for h in hours), Decimal(0))
        expected = _expected(costs, hours, method, group["start"], p.weeks)
        sigma = MAD_TO_SIGMA * group["mad"] * math.sqrt(len(hours))
        margin = max(Decimal(repr(p.z * sigma)).quantize(MICRO), p.min_excess_usd,
                     expected * Decimal(repr(p.min_ratio - 1)))
        if spend > expected + margin:
            out.append({**group, "method": method, "spend": spend, "expected": expected, "bound": expected + margin,
                        "sigma": sigma})
    return out


def _method(first_hour: datetime, start: datetime, weeks: int) -> str | None:
    """Which seasonal lags judge a window starting at `first_hour` of a series starting at `start`."""
    if len(_lags(first_hour, start, "hour-of-week", weeks)) >= MIN_WEEKLY:
        return "hour-of-week"
    return "hour-of-day" if len(_lags(first_hour, start, "hour-of-day", weeks)) >= MIN_DAILY else None


def _lags(hour: datetime, start: datetime, method: str, weeks: int) -> list[datetime]:
    step, count = (WEEK, weeks) if method == "hour-of-week" else (timedelta(days=1), DAILY_LAGS)
    return [hour - k * step for k in range(1, count + 1) if hour - k * step >= start]


def _expected(costs: dict[datetime, Decimal], hours: list[datetime], method: str, start: datetime,
              weeks: int) -> Decimal:
    """Expected spend of `hours`: the sum of each hour's median over its seasonal lags (exact)."""
    return sum((Decimal(statistics.median([costs.get(lag, Decimal(0)) for lag in _lags(h, start, method, weeks)]))
                for h in hours), Decimal(0))


def _signal(group: dict[str, Any], members: pl.DataFrame, users: pl.DataFrame, p: Params, end: datetime) -> Signal:
    spend, expected, sigma, method = group["spend"], group["expected"], group["sigma"], group["method"]
    evidence = {
        "window": {"start": instant(end - p.window), "end": instant(end)},
        "spend_usd": money(spend), "expected_usd": money(expected), "excess_usd": money(spend - expected),
        "bound_usd": money(group["bound"]), "noise_usd": money(Decimal(repr(sigma)).quantize(MICRO)),
        "robust_z": rounded(float(spend - expected) / sigma) if sigma > 0 else None,
        "baseline": {"method": method, "lags": len(_lags(end, group["start"], method, p.weeks))},
        "contributors": {dim: _contributors(members, dim, end, p, method, group["start"]) for dim in p.contributors
                         if dim not in p.group_by},
        "top_users": [{"user": r["user"], "spend_usd": money(r["cost"])} for r in
                      users.group_by("user").agg(pl.col("cost").sum()).sort(["cost", "user"], descending=[True, False])
                      .head(p.top_users).iter_rows(named=True)],
    }
    return Signal(labels_of(group, p.group_by), float(spend), float(group["bound"]), evidence)


def _contributors(members: pl.DataFrame, dim: str, end: datetime, p: Params, method: str,
                  start: datetime) -> list[dict[str, str]]:
    """The values of `dim` whose window spend exceeds their own expected spend most (the group's lags)."""
    hours = [end - i * HOUR for i in range(int(p.window / HOUR))]
    by_value = members.group_by(dim).agg(pl.col("time"), pl.col("cost"))
    rows = []
    for value, times, costs in by_value.iter_rows():
        spent_by_hour: dict[datetime, Decimal] = {}
        for t, c in zip(times, costs, strict=True):
            spent_by_hour[t] = spent_by_hour.get(t, Decimal(0)) + c
        spent = sum((spent_by_hour.get(h, Decimal(0)) for h in hours), Decimal(0))
        expected = _expected(spent_by_hour, hours, method, start, p.weeks)
        rows.append((spent - expected, "" if value is None else str(value), spent, expected))
    rows.sort(key=lambda r: (-r[0], r[1]))
    return [{dim: value, "spend_usd": money(spent), "expected_usd": money(expected), "excess_usd": money(excess)}
            for excess, value, spent, expected in rows[:p.top]]


DETECTOR = Detector(name="cost_anomaly", summary="Spend per hour far above its seasonal baseline, in dollars that matter.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
