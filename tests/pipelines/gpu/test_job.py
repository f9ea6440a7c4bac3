"""The GPU cost job against the real store: stored rows, idempotent reruns, late data, stale rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from store import query_rows
from store.queries.gpu_costs import LATEST_RUN
from tests.helpers.catalogs import utc
from tests.helpers.gpu_data import call, insert_calls, insert_samples, samples

T = utc(2026, 11, 20, 12)
MINUTE = timedelta(minutes=1)
NOW = T + timedelta(hours=1, minutes=30)  # 13:30: hours 10, 11 and 12 closed, 13 current
H100 = "NVIDIA H100 80GB HBM3"
PRICES = GpuPriceTable({"H100": Decimal("2.40")})
CONFIG = AllocationConfig(weights={"input": Decimal(1), "output": Decimal(1)},
                          self_hosted_providers=frozenset({"vllm"}))
WINDOW = {"start": "2026-11-20 00:00:00", "end": "2026-11-21 00:00:00"}


def _hourly(store) -> list[dict]:
    return query_rows(store, f"SELECT * EXCEPT computed_at FROM gpu_cost_hourly FINAL WHERE {LATEST_RUN} "
                             "ORDER BY hour, host_name", WINDOW)


def _requests(store) -> list[dict]:
    return query_rows(store, f"SELECT * EXCEPT computed_at FROM request_gpu_costs FINAL WHERE {LATEST_RUN} "
                             "ORDER BY span_id", WINDOW)


def _unknown(store) -> list[dict]:
    return query_rows(store, f"SELECT hour, host_name, calls FROM gpu_unknown_host_calls FINAL WHERE {LATEST_RUN} "
                             "ORDER BY hour, host_name", WINDOW)


def _seed(store) -> None:
    insert_samples(store, samples("gpu-a", "a1", H100, T, 60, MINUTE, 0.75))  # 12:00-13:00 at 75 %
    insert_calls(store, [call(T + 5 * MINUTE, "s1", "gpu-a", 100, 100), call(T + 6 * MINUTE, "s2", "gpu-a", 200, 0),
                         call(T + 7 * MINUTE, "s3", "gpu-z", 1, 1)])


def test_the_job_stores_host_hours_request_costs_and_unknown_hosts(store):
    _seed(store)
    result = run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    assert (result.hours, result.host_hours, result.calls_allocated, result.unknown_host_calls) == (4, 1, 2, 1)
    assert (result.cost, result.idle) == ("2.400000000000", "0.600000000000")
    [host] = _hourly(store)
    # 1 H100 x 1 h x 2.40 = 2.40; used at 75 % = 1.80, split 200:200 over s1 and s2; idle 0.60.
    assert (host["host_name"], host["gpu_count"], host["gpu_seconds"], host["calls"]) == ("gpu-a", 1, Decimal(3600), 2)
    assert (host["cost"], host["allocated"], host["idle"], host["priced"]) == (
        Decimal("2.4"), Decimal("1.8"), Decimal("0.6"), True)
    assert (host["price_source"], host["price_version"], host["currency"]) == ("shipped:H100", PRICES.version, "USD")
    assert host["idle_gpu_seconds"] == 900.0
    assert [(r["span_id"], r["gpu_cost"], r["hour"]) for r in _requests(store)] == [
        ("s1", Decimal("0.9"), T), ("s2", Decimal("0.9"), T)]
    assert [(u["host_name"], u["calls"]) for u in _unknown(store)] == [("gpu-z", 1)]


def test_rerunning_yields_the_same_rows(store):
    _seed(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    first = (_hourly(store), _requests(store), _unknown(store))
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    assert (_hourly(store), _requests(store), _unknown(store)) == first
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(minutes=5))  # a later run, same data
    assert (_hourly(store), _requests(store), _unknown(store)) == first
    counts = query_rows(store, "SELECT count() AS n FROM request_gpu_costs FINAL")[0]["n"]
    assert counts == 2  # replaced, not accumulated


def test_late_data_within_the_lookback_changes_the_shares_and_stale_rows_disappear(store):
    _seed(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    # Late: a third call on gpu-a, and gpu-z's samples (its calls stop being unknown-host calls).
    insert_calls(store, [call(T + 8 * MINUTE, "s4", "gpu-a", 0, 400)])
    insert_samples(store, samples("gpu-z", "z1", H100, T, 60, MINUTE, 1.0))
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(minutes=5))
    assert [(r["span_id"], r["gpu_cost"]) for r in _requests(store)] == [
        ("s1", Decimal("0.45")), ("s2", Decimal("0.45")), ("s3", Decimal("2.4")), ("s4", Decimal("0.9"))]
    assert _unknown(store) == []
    assert [(h["host_name"], h["allocated"], h["idle"]) for h in _hourly(store)] == [
        ("gpu-a", Decimal("1.8"), Decimal("0.6")), ("gpu-z", Decimal("2.4"), Decimal(0))]


def test_hours_before_the_lookback_are_left_alone(store):
    _seed(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    insert_calls(store, [call(T + 9 * MINUTE, "late", "gpu-a", 1000, 1000)])
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(hours=5))  # look-back now starts at 15:00
    assert [r["span_id"] for r in _requests(store)] == ["s1", "s2"]
