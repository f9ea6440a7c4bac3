"""Migration 12: the minute rollup's projection by period serves a window's edge minutes, with the same answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from spyglass.api.common import filters
from spyglass.api.scope import EVERYTHING
from store.base import query_rows
from store.queries import gpu

BASE = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
GPUS, MINUTES = 100, 240  # 24,000 minute rows: three granules when sorted by GPU


def _utilization(gpu_number: int, minute: int) -> float:
    return ((gpu_number * 7 + minute) % 10) / 10


@pytest.fixture
def fleet(store):
    store.command(f"""
INSERT INTO gpu_samples (timestamp, project, host_name, gpu_uuid, gpu_index, utilization, source)
SELECT toDateTime64({int(BASE.timestamp())} + (n % {MINUTES}) * 60, 9, 'UTC'), 'default', 'node',
       concat('GPU-', toString(intDiv(n, {MINUTES}))), 0,
       ((intDiv(n, {MINUTES}) * 7 + n % {MINUTES}) % 10) / 10, 'agent'
FROM (SELECT number AS n FROM numbers({GPUS * MINUTES}))""")
    return store


def test_edge_minutes_are_read_from_the_projection(fleet):
    day = f"{BASE:%Y-%m-%d}"
    edge = (f"SELECT sum(sample_count) FROM gpu_samples_1m WHERE period >= toDateTime('{day} 12:00:00', 'UTC') "
            f"AND period < toDateTime('{day} 12:40:00', 'UTC')")
    plan = "\n".join(r["explain"] for r in query_rows(fleet, f"EXPLAIN indexes = 1 {edge}"))
    assert "ReadFromMergeTree (by_period)" in plan
    assert query_rows(fleet, edge)[0]["sum(sample_count)"] == GPUS * 40


def test_the_fleet_over_a_window_with_partial_hours_counts_every_minute_once(fleet):
    since, until = BASE + timedelta(minutes=20), BASE + timedelta(hours=2, minutes=40)  # 10:20 .. 12:40
    rows = gpu.fleet(fleet, gpu.GpuFilters(filters(EVERYTHING, since.isoformat(), until.isoformat(), [], [], []))).to_pylist()
    assert len(rows) == GPUS
    for row in rows:
        number = int(row["gpu_uuid"].removeprefix("GPU-"))
        expected = [_utilization(number, minute) for minute in range(20, 160)]
        assert row["samples"] == len(expected)
        assert row["utilization_mean"] == pytest.approx(sum(expected) / len(expected))
