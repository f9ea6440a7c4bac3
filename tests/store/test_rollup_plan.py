"""The read planner: which stretch of [since, until) each source answers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from store.queries.rollup_plan import MAX_DIRTY, Piece, needs_raw, plan

T = datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return T + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def covers(pieces: list[Piece], since: datetime, until: datetime) -> bool:
    """Consecutive, non-empty, exactly [since, until)."""
    return (pieces[0].start == since and pieces[-1].end == until and all(p.start < p.end for p in pieces)
            and all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False)))


def test_whole_hours_from_hours_edges_from_minutes_and_seconds_and_the_tail_raw():
    since, until = at(1, 20, 30), at(5, 10, 15)
    pieces = plan(since, until, covered_until=at(4, 50))
    assert pieces == [Piece("raw", since, at(1, 21)), Piece("minutes", at(1, 21), at(2)), Piece("hours", at(2), at(4)),
                      Piece("minutes", at(4), at(4, 50)), Piece("raw", at(4, 50), until)]
    assert covers(pieces, since, until)


def test_a_range_the_rollups_cover_whole_reads_no_raw_row():
    assert plan(at(0), at(24), covered_until=at(30)) == [Piece("days", at(0), at(24))]
    assert plan(at(1), at(24), covered_until=at(30)) == [Piece("hours", at(1), at(24))]


def test_whole_days_from_days_and_the_open_day_from_hours_and_minutes():
    since, until = at(-30, 10), at(60, 30, 5)  # from 18:10 on the 18th to 12:30:05 on the 22nd
    pieces = plan(since, until, covered_until=at(60, 20))
    assert pieces == [Piece("minutes", since, at(-30 + 1)), Piece("hours", at(-29), at(-24)),
                      Piece("days", at(-24), at(48)), Piece("hours", at(48), at(60)),
                      Piece("minutes", at(60), at(60, 20)), Piece("raw", at(60, 20), until)]
    assert covers(pieces, since, until)


def test_a_dirty_minute_takes_its_day_back_to_hours():
    pieces = plan(at(0), at(72), covered_until=at(72), dirty=[at(30, 5)])
    assert pieces == [Piece("days", at(0), at(24)), Piece("hours", at(24), at(30)), Piece("minutes", at(30), at(30, 5)),
                      Piece("raw", at(30, 5), at(30, 6)), Piece("minutes", at(30, 6), at(31)),
                      Piece("hours", at(31), at(48)), Piece("days", at(48), at(72))]


def test_a_dirty_minute_is_read_raw_and_its_hour_from_minutes():
    pieces = plan(at(0), at(3), covered_until=at(3), dirty=[at(1, 30, 12)])
    assert pieces == [Piece("hours", at(0), at(1)), Piece("minutes", at(1), at(1, 30)),
                      Piece("raw", at(1, 30), at(1, 31)), Piece("minutes", at(1, 31), at(2)),
                      Piece("hours", at(2), at(3))]


def test_adjacent_dirty_minutes_and_the_tail_merge_into_one_raw_piece():
    pieces = plan(at(0, 10), at(0, 40), covered_until=at(0, 30), dirty=[at(0, 28), at(0, 29)])
    assert pieces == [Piece("minutes", at(0, 10), at(0, 28)), Piece("raw", at(0, 28), at(0, 40))]


@pytest.mark.parametrize("step, sources", [
    (86400, ["days"]), (2 * 86400, ["days"]), (3600, ["hours"]), (6 * 3600, ["hours"]), (60, ["minutes"]),
    (300, ["minutes"]), (1800, ["minutes"]), (30, ["raw"]), (90, ["raw"]),
])
def test_a_time_series_step_decides_the_grain(step, sources):
    """Day rows fit only buckets of whole days, hour rows buckets of whole hours, minute rows buckets of whole
    minutes; else raw."""
    assert [p.source for p in plan(at(0), at(72), covered_until=at(72), step_seconds=step)] == sources


@pytest.mark.parametrize("covered_until, dirty", [
    (None, []),  # the job never ran
    (at(0, 0, 30), []),  # nothing whole covered
    (at(10), [at(0, m) for m in range(MAX_DIRTY + 1)]),  # a backfill: too many dirty minutes
])
def test_everything_raw(covered_until, dirty):
    assert plan(at(0), at(2), covered_until, dirty) == [Piece("raw", at(0), at(2))]


def test_a_range_within_one_minute_is_raw():
    assert plan(at(0, 5, 10), at(0, 5, 50), covered_until=at(1)) == [Piece("raw", at(0, 5, 10), at(0, 5, 50))]


@pytest.mark.parametrize("extra, raw", [
    ({}, False), ({"team": ("a",)}, False), ({"status": ("ok",)}, False),
    ({"user_id": ("u1",)}, True), ({"session_id": ("s",)}, True), ({"host_name": ("h",)}, True),
    ({"trace_id": ("t",)}, True), ({"user_id": ()}, False),
])
def test_filters_the_rollups_lack_need_raw(extra, raw):
    assert needs_raw(extra) is raw


@pytest.mark.parametrize("seed", range(20))
def test_random_ranges_are_covered_exactly_once_at_the_right_grain(seed):
    rng = random.Random(seed)
    since = at(seconds=rng.randrange(0, 3 * 86400))
    until = since + timedelta(seconds=rng.randrange(1, 3 * 86400))
    covered = at(seconds=rng.randrange(0, 6 * 86400)).replace(second=0)
    dirty = [at(seconds=rng.randrange(0, 6 * 86400)) for _ in range(rng.randrange(0, 8))]
    pieces = plan(since, until, covered, dirty)
    assert covers(pieces, since, until)
    dirty_minutes = {d.replace(second=0) for d in dirty}
    for p in pieces:
        if p.source == "days":
            assert p.start.hour == p.start.minute == p.start.second == 0 and (p.end - p.start) % D == timedelta(0)
        if p.source == "hours":
            assert p.start.minute == p.start.second == 0 and (p.end - p.start) % H == timedelta(0)
        if p.source != "raw":
            assert p.start.second == 0 and p.end.second == 0 and p.end <= covered
            assert not any(p.start <= d < p.end for d in dirty_minutes)
