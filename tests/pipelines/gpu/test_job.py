"""The GPU cost job against the real store: stored rows, idempotent reruns, late data of any age, stale rows,
stopping between hours, and the slices it queues for the spend rollup."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import partial

from pipelines.costs.catalog import load_shipped
from pipelines.costs.job import run_cost_job
from pipelines.gpu import job
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.prices import GpuPriceTable
from pipelines.incremental import EPOCH
from store import query_rows
from store.queries.gpu_cost_queue import pending_hours
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
WINDOW = {"start": "2026-11-19 00:00:00", "end": "2026-11-22 00:00:00"}
# The job as the scheduler runs it, but consuming the queue up to the moment it starts (no safety delay).
run_gpu_cost_job = partial(job.run_gpu_cost_job, safety_delay=timedelta(0))


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
    # Hours 11 to 13: the samples' hour and its neighbours within a sample gap, and the look-back's 12 and 13.
    assert (result.hours, result.host_hours, result.calls_allocated, result.unknown_host_calls) == (3, 1, 2, 1)
    assert (result.cost, result.idle, result.oldest_hour) == (Decimal("2.4"), Decimal("0.6"), "2026-11-20T11:00:00+00:00")
    assert result.as_dict()["cost"] == "2.400000000000"
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


def _price_calls(store) -> None:
    """The cost job, which queues the slices of the calls it prices (the GPU job's queue of calls)."""
    run_cost_job(store, load_shipped(), datetime.now(timezone.utc) + timedelta(seconds=5))


def _priced_hours(store) -> list:
    return [r["hour"] for r in query_rows(store, f"SELECT DISTINCT hour FROM gpu_cost_hourly FINAL WHERE priced "
                                                 f"AND {LATEST_RUN} ORDER BY hour", WINDOW)]


def test_late_data_of_any_age_is_priced_when_it_arrives(store):
    _seed(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    insert_calls(store, [call(T + 9 * MINUTE, "late", "gpu-a", 1000, 1000)])
    _price_calls(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(hours=30))  # far past any look-back
    assert [r["span_id"] for r in _requests(store)] == ["late", "s1", "s2"]
    assert sum(r["gpu_cost"] for r in _requests(store)) == Decimal("1.8")  # the used part, split three ways now


def test_a_day_of_backfilled_samples_and_calls_is_priced_in_one_run(store):
    day = T - timedelta(hours=36)
    insert_samples(store, samples("gpu-a", "a1", H100, day, 24 * 60, MINUTE, 0.5))
    insert_calls(store, [call(day + timedelta(hours=h, minutes=5), f"c{h}", "gpu-a", 10, 10) for h in range(24)])
    _price_calls(store)
    result = run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    assert _priced_hours(store) == [day + timedelta(hours=h) for h in range(24)]
    assert len(_requests(store)) == 24 and result.calls_allocated == 24
    assert result.cost == Decimal("57.6")  # 24 h x 2.40


def test_an_outage_longer_than_the_lookback_is_priced_when_its_data_arrives(store):
    _seed(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    # The collector was down from 13:00 to 19:00; the agent's buffered samples and the calls arrive after it.
    insert_samples(store, samples("gpu-a", "a1", H100, T + timedelta(hours=1), 6 * 60, MINUTE, 1.0))
    insert_calls(store, [call(T + timedelta(hours=h, minutes=30), f"o{h}", "gpu-a", 5, 5) for h in range(1, 7)])
    _price_calls(store)
    run_gpu_cost_job(store, PRICES, CONFIG, T + timedelta(hours=7, minutes=10))
    assert _priced_hours(store) == [T + timedelta(hours=h) for h in range(7)]
    assert [r["span_id"] for r in _requests(store)] == ["o1", "o2", "o3", "o4", "o5", "o6", "s1", "s2"]


def test_a_stopped_run_leaves_the_hours_it_did_not_reach_pending(store):
    insert_samples(store, samples("gpu-a", "a1", H100, T - timedelta(hours=10), 5 * 60, MINUTE, 1.0))
    asked = []
    result = run_gpu_cost_job(store, PRICES, CONFIG, NOW, should_stop=lambda: len(asked) > 2 or asked.append(1))
    assert (result.stopped, result.hours) == (True, 3)  # the look-back's 13 and 12, then the newest queued hour
    left = pending_hours(store, EPOCH, 60)
    assert left == [T - timedelta(hours=h) for h in range(6, 12)]  # 06:00 down to 01:00 (a gap before the first sample)
    result = run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(minutes=5))
    assert not result.stopped and pending_hours(store, EPOCH, 60) == []
    assert _priced_hours(store)[:5] == [T - timedelta(hours=h) for h in range(10, 5, -1)]


def test_changed_allocations_queue_their_slices_for_the_spend_rollup(store):
    _seed(store)
    queued = "SELECT toDateTime64(slice, 0, 'UTC') AS slice FROM cost_rollup_queue WHERE source = 'gpu' ORDER BY slice"
    result = run_gpu_cost_job(store, PRICES, CONFIG, NOW)
    assert [r["slice"] for r in query_rows(store, queued)] == [T + 5 * MINUTE] and result.slices_queued == 1
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(minutes=5))  # the same allocations: nothing queued
    assert len(query_rows(store, queued)) == 1
    insert_calls(store, [call(T + 31 * MINUTE, "s4", "gpu-a", 100, 100)])  # every share of the hour changes
    _price_calls(store)
    run_gpu_cost_job(store, PRICES, CONFIG, NOW + timedelta(minutes=10))
    assert [r["slice"] for r in query_rows(store, queued)] == [T + 5 * MINUTE, T + 5 * MINUTE, T + 30 * MINUTE]
