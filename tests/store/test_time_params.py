"""Time parameters reach ClickHouse as the same instant, whatever zone the datetime was in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from store import query_rows
from store.params import MS_TYPE, NS_TYPE, S_TYPE, dates_param, hour_param, seconds_param, time_param

PARIS = timezone(timedelta(hours=1))
INSTANT = datetime(2026, 11, 30, 23, 30, 15, 123456, tzinfo=PARIS)  # 22:30:15.123456 UTC


def test_every_precision_is_the_utc_instant(store):
    row = query_rows(store, f"SELECT {{ns:{NS_TYPE}}} AS ns, {{ms:{MS_TYPE}}} AS ms, toUnixTimestamp({{s:{S_TYPE}}}) AS s",
                     {"ns": time_param(INSTANT), "ms": time_param(INSTANT, 3), "s": time_param(INSTANT, 0)})[0]
    utc = INSTANT.astimezone(timezone.utc)
    assert row["ns"] == utc
    assert row["ms"] == utc.replace(microsecond=123000)
    assert row["s"] == int(utc.timestamp())


def test_naive_datetimes_are_taken_as_utc():
    assert time_param(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05.000000"


def test_hours_dates_and_seconds_are_utc():
    assert hour_param(INSTANT) == "2026-11-30 22:00:00"
    assert dates_param([INSTANT, INSTANT + timedelta(hours=2)]) == ["2026-11-30", "2026-12-01"]
    assert seconds_param([INSTANT, INSTANT.astimezone(timezone.utc)]) == ["2026-11-30 22:30:15"]
