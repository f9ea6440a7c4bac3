"""A robust seasonal baseline for hourly series: what an hour should have been, and how noisy that is.

- **Lags**: an hour's expected value is the median of the same hour-of-week in the previous
  `weeks` weeks (at least two), or while a series is younger than two weeks the same hour-of-day
  over the previous seven days (at least three). Younger than that, it has no baseline.
- **Level**: medians of past weeks lag a growing (or shrinking) series, so expected values are
  scaled by the series' level over the seven days before the judged window: actual / expected
  there, clamped to [1/2, 2]. A new normal (a step that lasts) is absorbed within days.
- **Noise** is relative: spend varies in proportion to its level (a busy afternoon swings by
  more dollars than a quiet night), so residuals are log(actual / (level x expected)), with a
  floor of 1 % of the mean (at least 0.01) added to both so empty hours stay finite; the noise is
  their median absolute deviation (x 1.4826) over those seven days: one robust scale per series.
A series starts at its first hour in the look-back; missing hours after that count as 0.

`stats` computes these for every series at once in floats (one lazy Polars query: this runs at
every step of a backtest); `lags` and `exact_expected` redo the expected value of chosen hours
exactly, in Decimal, for the series that are reported.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl

HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
DAY = timedelta(days=1)
DAILY_LAGS = 7
MIN_WEEKLY, MIN_DAILY = 2, 3
SCALE_SPAN = timedelta(days=7)
MIN_RESIDUALS = 24
MAD_TO_SIGMA = 1.4826
FLOOR_ABSOLUTE, FLOOR_SHARE = 0.01, 0.01
LEVEL_BOUNDS = (0.5, 2.0)


def stats(rows: pl.DataFrame, keys: list[str], end: datetime, window: timedelta, weeks: int) -> pl.DataFrame:
    """Per series (`keys`) of hourly `value`s (time = the hour's end): its first hour, window sum, the
    window's unlevelled expected sum, level, relative noise per hour (log scale), residual count and window
    hours with a baseline."""
    hourly = rows.lazy().group_by([*keys, "time"]).agg(pl.col("value").sum().cast(pl.Float64))
    starts = hourly.group_by(keys).agg(pl.col("time").min().alias("start"))
    grid = (starts.with_columns(pl.datetime_ranges(pl.col("start"), pl.lit(end), interval="1h").alias("time"))
            .explode("time").join(hourly, on=[*keys, "time"], how="left")
            .with_columns(pl.col("value").fill_null(0.0)).sort([*keys, "time"]))
    x = pl.col("value")
    weekly = [f"w{k}" for k in range(1, weeks + 1)]
    daily = [f"d{k}" for k in range(1, DAILY_LAGS + 1)]
    grid = (grid.with_columns(*(x.shift(k * 168).over(keys).alias(f"w{k}") for k in range(1, weeks + 1)),
                              *(x.shift(k * 24).over(keys).alias(f"d{k}") for k in range(1, DAILY_LAGS + 1)))
            .filter(pl.col("time") > end - window - SCALE_SPAN)
            .with_columns(pl.concat_list(weekly).list.drop_nulls().alias("weekly"),
                          pl.concat_list(daily).list.drop_nulls().alias("daily"))
            .with_columns(pl.when(pl.col("weekly").list.len() >= MIN_WEEKLY).then(pl.col("weekly").list.median())
                          .when(pl.col("daily").list.len() >= MIN_DAILY).then(pl.col("daily").list.median())
                          .alias("expected"),
                          (pl.col("time") > end - window).alias("in_window")))
    scale = ~pl.col("in_window") & pl.col("expected").is_not_null()
    level = (pl.when(pl.col("expected").filter(scale).sum() > 0)
             .then(x.filter(scale).sum() / pl.col("expected").filter(scale).sum()).otherwise(1.0)
             .clip(*LEVEL_BOUNDS))
    fitted = level * pl.col("expected")
    floor = pl.max_horizontal(pl.lit(FLOOR_ABSOLUTE), FLOOR_SHARE * fitted.filter(scale).mean())
    residual = ((x + floor) / (fitted + floor)).log().filter(scale)
    return grid.group_by(keys).agg(
        pl.col("start").first(),
        x.filter(pl.col("in_window")).sum().alias("window_value"),
        pl.col("expected").filter(pl.col("in_window")).sum().alias("window_expected"),
        pl.col("expected").filter(pl.col("in_window")).count().alias("window_baselines"),
        level.alias("level"),
        (MAD_TO_SIGMA * (residual - residual.median()).abs().median()).alias("noise"),
        residual.count().alias("residuals"),
    ).collect()


def method(first_hour: datetime, start: datetime, weeks: int) -> str | None:
    """Which lags judge a window starting at `first_hour` of a series starting at `start` (None: too young)."""
    if len(lags(first_hour, start, "hour-of-week", weeks)) >= MIN_WEEKLY:
        return "hour-of-week"
    return "hour-of-day" if len(lags(first_hour, start, "hour-of-day", weeks)) >= MIN_DAILY else None


def lags(hour: datetime, start: datetime, method_: str, weeks: int) -> list[datetime]:
    """The hours (ends) whose values the expected value of `hour` is the median of."""
    step, count = (WEEK, weeks) if method_ == "hour-of-week" else (DAY, DAILY_LAGS)
    return [hour - k * step for k in range(1, count + 1) if hour - k * step >= start]


def exact_expected(values: dict[datetime, Decimal], hours: list[datetime], method_: str, start: datetime,
                   weeks: int) -> Decimal:
    """The unlevelled expected sum of `hours` in Decimal: each hour's median over its lags (missing = 0)."""
    return sum((Decimal(statistics.median([values.get(lag, Decimal(0)) for lag in lags(h, start, method_, weeks)]))
                for h in hours), Decimal(0))
