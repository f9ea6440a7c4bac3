"""Where a question about calls over [since, until) reads: day, hour or minute rollup, or `llm_calls`.

Pure, so the split is tested apart from SQL. The coarsest source that holds a stretch exactly answers it:
- whole UTC days from the day rollup, when no minute of the day is dirty and the buckets asked for hold
  whole days (no step, or a step of whole days);
- whole hours from the hour rollup, when no minute of the hour is dirty and the buckets asked for
  (a time series' step) hold whole hours;
- the minutes at the edges from the minute rollup;
- from `llm_calls` itself: the sub-minute edges of the range, what the rollup job has not covered yet
  (from its watermark's minute on), and each dirty minute (one holding a call ingested after the job
  last read: a late or retried span), which its rollup row would miss or count once too few.
Each minute is read from exactly one source, so a span is never counted twice.

Everything is read from `llm_calls` when the rollups cannot answer: the job never ran, a filter names a
column they do not keep (users, sessions, hosts, trace ids), a time series' step is not whole minutes
(its buckets would split a minute), or there are so many dirty minutes (a backfill of old days) that
reading them one by one would cost more than the raw read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Filters on these columns need `llm_calls`: the rollups do not keep them (unbounded cardinality).
RAW_ONLY = ("user_id", "session_id", "host_name", "trace_id")
# More dirty minutes than this in a range: read it all raw.
MAX_DIRTY = 60

Source = Literal["days", "hours", "minutes", "raw"]


@dataclass(frozen=True)
class Piece:
    """Read [start, end) from `source`."""

    source: Source
    start: datetime
    end: datetime


def floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def _ceil_minute(t: datetime) -> datetime:
    floor = floor_minute(t)
    return floor if floor == t else floor + MINUTE


def _floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def needs_raw(extra: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether the filters name a column only `llm_calls` has."""
    return any(extra.get(column) for column in RAW_ONLY)


def plan(since: datetime, until: datetime, covered_until: datetime | None, dirty: Iterable[datetime] = (),
         step_seconds: int | None = None) -> list[Piece]:
    """[since, until) as consecutive pieces, each from the coarsest source that answers it exactly.

    `covered_until`: the rollups hold every minute before it (None: the job never ran); `dirty`: minutes
    before it that hold calls the rollups miss; `step_seconds`: a time series' bucket width (None: one total).
    """
    everything = [Piece("raw", since, until)]
    dirty_minutes = {floor_minute(d) for d in dirty}
    if (covered_until is None or since >= until or len(dirty_minutes) > MAX_DIRTY
            or (step_seconds is not None and step_seconds % 60)):
        return everything
    first, last = _ceil_minute(since), floor_minute(min(until, covered_until))
    if first >= last:
        return everything
    hours = step_seconds is None or step_seconds % 3600 == 0
    days = step_seconds is None or step_seconds % 86400 == 0
    pieces = [Piece("raw", since, first)]
    day = first.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < last:
        start, end = max(day, first), min(day + DAY, last)
        if days and (start, end) == (day, day + DAY) and not any(start <= d < end for d in dirty_minutes):
            pieces.append(Piece("days", start, end))
        else:
            pieces += _within_day(start, end, dirty_minutes, hours)
        day += DAY
    pieces.append(Piece("raw", last, until))
    return _merged([p for p in pieces if p.start < p.end])


def _within_day(first: datetime, last: datetime, dirty_minutes: set[datetime], hours: bool) -> list[Piece]:
    """[first, last) of one day: whole clean hours from hours (when the step allows), the rest from minutes, each
    dirty minute raw."""
    pieces: list[Piece] = []
    hour = _floor_hour(first)
    while hour < last:
        start, end = max(hour, first), min(hour + HOUR, last)
        inside = sorted(d for d in dirty_minutes if start <= d < end)
        if hours and (start, end) == (hour, hour + HOUR) and not inside:
            pieces.append(Piece("hours", start, end))
        else:
            for minute in inside:
                pieces += [Piece("minutes", start, minute), Piece("raw", minute, minute + MINUTE)]
                start = minute + MINUTE
            pieces.append(Piece("minutes", start, end))
        hour += HOUR
    return pieces


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent pieces of one source as one."""
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].source == piece.source and out[-1].end == piece.start:
            out[-1] = Piece(piece.source, out[-1].start, piece.end)
        else:
            out.append(piece)
    return out
