"""Migration 27 derives the days a store had already rolled up into hours, so an upgraded store answers its past
days from the day tables at once (the jobs derive days only for the hours they touch from then on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spyglass.schema import migrate
from store import Store, query_rows
from tests.helpers import stores

# 60 hours from the 17th 12:00 UTC: two half days and a whole one, three users and a duration per hour.
COST_HOURS = """
INSERT INTO cost_hourly (hour, project, service_name, environment, team, feature, provider, model, currency, users,
    calls, priced_calls, cost_total, token_cost, gpu_cost, successful_cost, computed_at)
SELECT toDateTime('2026-11-17 12:00:00', 'UTC') + toIntervalHour(number), 'p', 's', 'prod', 't', 'f', 'openai',
    if(number % 2, 'gpt-4o', 'gpt-4o-mini'), 'USD', uniqExactState(toString(number % 3)), 10, 10,
    toDecimal128(number / 100, 12), toDecimal128(number / 100, 12), toDecimal128(0, 12), toDecimal128(number / 100, 12),
    now64(3)
FROM numbers(60) GROUP BY number"""
CALL_HOURS = """
INSERT INTO llm_calls_1h (period, project, service_name, model, calls, error_calls, input_tokens_sum, duration_sketch,
    users_uniq, computed_at)
SELECT toDateTime('2026-11-17 12:00:00', 'UTC') + toIntervalHour(number), 'p', 's', 'gpt-4o', 10, number % 2, 100,
    quantilesTimingState(0.5, 0.95, 0.99)(toUInt16(number)), uniqState(toString(number % 3)), now64(3)
FROM numbers(60) GROUP BY number"""
OPERATION_HOURS = """
INSERT INTO operations_1h (period, project, service_name, operation, name, calls, error_calls, duration_sketch,
    computed_at)
SELECT toDateTime('2026-11-17 12:00:00', 'UTC') + toIntervalHour(number), 'p', 's', 'execute_tool', 'search', 3, 1,
    quantilesTimingState(0.5, 0.95, 0.99)(toUInt16(number)), now64(3)
FROM numbers(60) GROUP BY number"""


@pytest.fixture
def store_before(backend: str, chdb_dir: Path) -> Iterator[Store]:
    with stores.store_before(backend, chdb_dir, 27) as opened:
        yield opened


def _by_day(store: Store, sql: str) -> list[dict]:
    return query_rows(store, sql + " GROUP BY day ORDER BY day")


def test_the_migration_derives_every_day_from_its_hours(store_before):
    for sql in (COST_HOURS, CALL_HOURS, OPERATION_HOURS):
        store_before.command(sql)
    hours = {
        "cost": _by_day(store_before, "SELECT toDate(hour) AS day, sum(calls) AS calls, sum(cost_total) AS cost, "
                                      "uniqExactMerge(users) AS users FROM cost_hourly FINAL"),
        "calls": _by_day(store_before, "SELECT toDate(period) AS day, sum(calls) AS calls, sum(error_calls) AS errors, "
                                       "quantilesTimingMerge(0.5, 0.95, 0.99)(duration_sketch) AS durations, "
                                       "uniqMerge(users_uniq) AS users FROM llm_calls_1h FINAL"),
        "operations": _by_day(store_before, "SELECT toDate(period) AS day, sum(calls) AS calls, "
                                            "quantilesTimingMerge(0.5, 0.95, 0.99)(duration_sketch) AS durations "
                                            "FROM operations_1h FINAL"),
    }
    assert "V0027" in migrate(store_before)
    days = {
        "cost": _by_day(store_before, "SELECT toDate(day) AS day, sum(calls) AS calls, sum(cost_total) AS cost, "
                                      "uniqExactMerge(users) AS users FROM cost_daily FINAL"),
        "calls": _by_day(store_before, "SELECT toDate(period) AS day, sum(calls) AS calls, sum(error_calls) AS errors, "
                                       "quantilesTimingMerge(0.5, 0.95, 0.99)(duration_sketch) AS durations, "
                                       "uniqMerge(users_uniq) AS users FROM llm_calls_1d FINAL"),
        "operations": _by_day(store_before, "SELECT toDate(period) AS day, sum(calls) AS calls, "
                                            "quantilesTimingMerge(0.5, 0.95, 0.99)(duration_sketch) AS durations "
                                            "FROM operations_1d FINAL"),
    }
    assert days == hours
    assert [d["calls"] for d in days["cost"]] == [120, 240, 240]  # 12, 24 and 24 hours of 10 calls
    [rows] = query_rows(store_before, "SELECT count() AS n FROM cost_daily FINAL")
    assert rows["n"] == 6  # a row per day and model
