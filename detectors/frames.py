"""Time over detector frames: which rows a detection at `now` may see, and bucket arithmetic.

Every frame has a `time` column (UTC, microseconds): the moment the row's data was complete,
i.e. the *end* of its bucket. A detection at `now` sees only rows with `time <= now`, so the
bucket still filling is never read as a drop, and a backtest that loaded the whole range sees
exactly what a live evaluation would have seen.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def within(frame: pl.DataFrame, now: datetime, span: timedelta) -> pl.DataFrame:
    """Rows with now - span < time <= now."""
    return frame.filter((pl.col("time") > now - span) & (pl.col("time") <= now))


def floor_time(value: datetime, step: timedelta) -> datetime:
    """`value` rounded down to a whole multiple of `step` since the epoch (UTC)."""
    value = value.astimezone(timezone.utc)
    return value - (value - EPOCH) % step


def ceil_time(value: datetime, step: timedelta) -> datetime:
    floor = floor_time(value, step)
    return floor if floor == value else floor + step

