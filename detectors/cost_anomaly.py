"""`cost_anomaly`: spend per hour and group far above its own seasonal baseline, with the dollars to matter.

AI spend follows the day and the week, and explodes in minutes (a prompt change, an agent loop),
so each group's last `window` of complete hours is compared with a robust seasonal baseline:
- **expected** spend of an hour is the median of the same hour-of-week in the previous `weeks`
  weeks, scaled by the series' recent level (detectors/seasonal.py: hour-of-day medians while a
  series is younger than two weeks; younger than three days it is not judged: cold start);
- **noise** is relative (log scale) and robust: the MAD of log(actual / expected) over the seven
  days before the window;
- it fires when spend exceeds expected by *all three* margins: `z` noise units (a factor
  exp(z x noise / sqrt(hours))), `min_excess_usd` dollars, and `min_ratio` x expected. The dollar
  floor keeps tiny spends from ever paging; the ratio keeps a steady series from paging on noise.

Evidence names the top contributors to the excess: per `contributors` dimension (model,
feature, ...) the values whose spend rose most over their own expected spend (same method),
and the `top_users` costliest users of the window (the rollup has no users: they come from the
cost rows, read only for the windows a detection can look at).

Money is exact (Decimal) for spend and the lag medians; the level and the noise margin are
statistical estimates, rounded to a millionth before they join the expected spend and the bound.

Sharing a query: rules are merged into one `hourly_spend` over the union of their `group_by`,
`where` and `contributors` dimensions (filtered only on what every rule filters on), the
longest window and most weeks; each rule re-aggregates to its own groups in `detect`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from detectors import seasonal
from detectors.base import Detector, Signal
from detectors.durations import Duration
from detectors.evidence import instant, money, rounded
from detectors.frames import floor_time, within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_costs as q

HOUR = timedelta(hours=1)
MICRO = Decimal("0.000001")


class Params(Grouped):
    DIMENSIONS = tuple(q.DIMENSIONS)

    group_by: tuple[str, ...] = Field(("project",), description="Dimensions of a spend series (one signal each).")
    window: Duration = Field(HOUR, description="Complete hours judged together, ending at the last complete hour.")
    weeks: int = Field(4, ge=1, le=8, description="Weeks of same-hour history the expected spend is the median of.")
    z: float = Field(3.0, gt=0, description=(
        "Robust standard deviations of the relative noise spend must exceed expected by."))
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
    return p.weeks * seasonal.WEEK + seasonal.SCALE_SPAN + p.window


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
    first_window = floor_time(since + lookback(p) - p.window, HOUR)
    users = q.top_users(store, p.columns, p.where, first_window, until, p.top_users)
    return pl.concat([hourly, users], how="diagonal_relaxed")


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    end = floor_time(now, HOUR)
    rows = selected(within(frame, end, lookback(p)), p)
    spend = rows.filter(pl.col("user").is_null()).with_columns(pl.lit("").alias("__all__"))
    if spend.is_empty():
        return []
    keys = list(p.group_by) or ["__all__"]
    hours = [end - i * HOUR for i in range(int(p.window / HOUR))][::-1]
    signals = []
    for group in _screened(spend, keys, end, p).iter_rows(named=True):
        members = spend.filter(pl.all_horizontal(pl.col(k) == group[k] for k in keys))
        judged = _judge(group, members, hours, p)
        if judged is not None:
            users = rows.filter(pl.col("user").is_not_null() & (pl.col("time") > end - p.window))
            for k in p.group_by:
                users = users.filter(pl.col(k) == group[k])
            signals.append(_signal(judged, members, users, hours, p))
    return signals


def _margin(expected: float, noise: float, hours: int, p: Params) -> float:
    """Dollars above expected that spend must exceed: z relative noise units, the dollar floor, the ratio."""
    return max(expected * math.expm1(p.z * noise / math.sqrt(hours)), float(p.min_excess_usd),
               (p.min_ratio - 1) * expected)


def _screened(spend: pl.DataFrame, keys: list[str], end: datetime, p: Params) -> pl.DataFrame:
    """Series with a baseline whose window spend clears every margin, in floats (with a little slack: the
    exact test decides)."""
    hours = int(p.window / HOUR)
    found = seasonal.stats(spend.rename({"cost": "value"}).select(*keys, "time", "value"), keys, end, p.window,
                           p.weeks)
    found = found.filter((pl.col("window_baselines") == hours) & (pl.col("residuals") >= seasonal.MIN_RESIDUALS))
    return found.filter(pl.struct("window_value", "window_expected", "level", "noise").map_elements(
        lambda r: r["window_value"] * 1.001 > r["level"] * r["window_expected"]
        + _margin(r["level"] * r["window_expected"], r["noise"], hours, p), return_dtype=pl.Boolean))


def _judge(group: dict[str, Any], members: pl.DataFrame, hours: list[datetime], p: Params) -> dict[str, Any] | None:
    """The exact numbers of a screened series, when its window spend exceeds expected by every margin."""
    method = seasonal.method(hours[0], group["start"], p.weeks)
    if method is None:
        return None
    values = _by_hour(members)
    level = Decimal(repr(round(group["level"], 6)))
    spend = sum((values.get(h, Decimal(0)) for h in hours), Decimal(0))
    expected = (seasonal.exact_expected(values, hours, method, group["start"], p.weeks) * level).quantize(MICRO)
    margin = Decimal(repr(_margin(float(expected), group["noise"], len(hours), p))).quantize(MICRO)
    if spend <= expected + margin:
        return None
    return {**group, "method": method, "level": level, "spend": spend, "expected": expected,
            "bound": expected + margin}


def _by_hour(rows: pl.DataFrame) -> dict[datetime, Decimal]:
    summed = rows.group_by("time").agg(pl.col("cost").sum())
    return dict(zip(summed["time"].to_list(), summed["cost"].to_list(), strict=True))


def _signal(group: dict[str, Any], members: pl.DataFrame, users: pl.DataFrame, hours: list[datetime],
            p: Params) -> Signal:
    spend, expected, noise = group["spend"], group["expected"], group["noise"] / math.sqrt(len(hours))
    end = hours[-1]
    evidence = {
        "window": {"start": instant(end - p.window), "end": instant(end)},
        "spend_usd": money(spend), "expected_usd": money(expected), "excess_usd": money(spend - expected),
        "bound_usd": money(group["bound"]),
        "noise_relative": rounded(noise, 4),
        "robust_z": rounded(math.log(spend / expected) / noise) if noise > 0 and expected > 0 else None,
        "baseline": {"method": group["method"], "lags": len(seasonal.lags(end, group["start"], group["method"],
                                                                           p.weeks)),
                     "level": float(group["level"])},
        "contributors": {dim: _contributors(members, dim, hours, p, group) for dim in p.contributors
                         if dim not in p.group_by},
        "top_users": [{"user": r["user"], "spend_usd": money(r["cost"])} for r in
                      users.group_by("user").agg(pl.col("cost").sum()).sort(["cost", "user"], descending=[True, False])
                      .head(p.top_users).iter_rows(named=True)],
    }
    return Signal(labels_of(group, p.group_by), float(spend), float(group["bound"]), evidence)


def _contributors(members: pl.DataFrame, dim: str, hours: list[datetime], p: Params,
                  group: dict[str, Any]) -> list[dict[str, str]]:
    """The values of `dim` whose window spend exceeds their own expected spend most (the series' lags and level)."""
    rows = []
    for (value,), part in members.group_by([dim]):
        values = _by_hour(part)
        spent = sum((values.get(h, Decimal(0)) for h in hours), Decimal(0))
        expected = (seasonal.exact_expected(values, hours, group["method"], group["start"], p.weeks)
                    * group["level"]).quantize(MICRO)
        rows.append((spent - expected, "" if value is None else str(value), spent, expected))
    rows.sort(key=lambda r: (-r[0], r[1]))
    return [{dim: value, "spend_usd": money(spent), "expected_usd": money(expected), "excess_usd": money(excess)}
            for excess, value, spent, expected in rows[:p.top]]


DETECTOR = Detector(name="cost_anomaly", summary="Spend per hour far above its seasonal baseline, in dollars that matter.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
