"""The window an incremental job over `llm_calls` reads next, by its watermark on `ingested_at`.

The same rules as the cost job (pipelines/costs/job.py explains them): read the calls
ingested in (watermark - lookback, now - safety_delay], pulled back so that a run takes at
most about `batch_limit` new calls; advance the watermark to the window's end afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from store.base import Store
from store.params import EPOCH
from store.queries import costs, watermarks

MS = timedelta(milliseconds=1)


def utc(value: datetime) -> datetime:
    """A store datetime (naive means UTC) as an aware one."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def hour_of(value: datetime) -> datetime:
    """The start of the hour `value` falls in."""
    return value.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Window:
    """Read calls ingested in (start, end]; then set the watermark to `end`.

    `watermark` is where the job stood: (start, watermark] is the look-back it saw before.
    """

    start: datetime
    end: datetime
    watermark: datetime


def day_start(day: date) -> datetime:
    """The UTC midnight that starts `day` (a day rollup's period)."""
    return datetime.combine(day, time(), timezone.utc)


def next_window(store: Store, job: str, now: datetime, lookback: timedelta, batch_limit: int | None,
                safety_delay: timedelta = timedelta(seconds=1)) -> Window | None:
    """The next window of `job`, or None when nothing can be new since its watermark."""
    mark = utc(watermarks.watermark(store, job) or EPOCH)
    end = utc(now) - safety_delay
    if end <= mark:
        return None
    if batch_limit is not None:
        cutoff = costs.batch_cutoff(store, mark, end, batch_limit)
        if cutoff is not None:
            cutoff = utc(cutoff)
            # Exclude the cut-off millisecond (ties stay together) unless it is the only one left.
            end = cutoff - MS if cutoff - MS > mark else cutoff
    return Window(max(mark - lookback, EPOCH), end, mark)
