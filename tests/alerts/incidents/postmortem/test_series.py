"""The charts' window and buckets: the incident with a margin each side, on whole buckets of a fixed ladder, at
most 120 of them, and every bucket present (zeros where nothing happened)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from alerts.incidents.postmortem.series import MAX_BUCKETS, chart_window, series

T = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
M = timedelta(minutes=1)


def test_an_hour_long_incident_gets_half_an_hour_each_side_in_minutes():
    window = chart_window(T, T + 60 * M)
    assert (window.since, window.until, window.step_seconds) == (T - 30 * M, T + 90 * M, 60)
    assert len(window.starts) == 120 and window.starts[0] == window.since


def test_a_long_incident_gets_a_quarter_of_its_length_each_side_in_bigger_buckets():
    window = chart_window(T + 7 * M, T + timedelta(hours=40, minutes=7))
    assert window.step_seconds == 3600 and len(window.starts) <= MAX_BUCKETS
    assert window.since == T - timedelta(hours=10) and window.until == T + timedelta(hours=51)


def test_the_edges_fall_on_whole_buckets_and_an_instant_incident_still_has_a_window():
    window = chart_window(T + 10 * timedelta(seconds=1), T + 10 * timedelta(seconds=1))
    assert window.since == T - 30 * M and window.until == T + 31 * M and window.step_seconds == 60


def test_every_bucket_is_there_and_one_without_rows_is_zeros():
    window = chart_window(T, T + 60 * M)
    filled = series(window, [{"bucket": T, "requests": 3, "errors": 1, "p95_ms": 250.0}],
                    [{"bucket": T + M, "cost_usd": Decimal("0.015")}])
    assert len(filled.buckets) == 120
    by_start = {b.start: b for b in filled.buckets}
    assert (by_start[T].requests, by_start[T].errors, by_start[T].p95_ms, by_start[T].cost_usd) == (
        3, 1, 250.0, Decimal(0))
    assert (by_start[T + M].requests, by_start[T + M].p95_ms, by_start[T + M].cost_usd) == (0, None, Decimal("0.015"))
