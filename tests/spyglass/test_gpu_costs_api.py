"""`GET /api/v1/gpu/costs` on the real service: per-host totals, hourly series, unknown hosts, errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from tests.helpers.catalogs import utc
from tests.helpers.gpu_data import call, insert_calls, insert_samples, samples
from tests.helpers.wait import eventually

T = utc(2026, 11, 20, 12)
MINUTE = timedelta(minutes=1)
PRICES = GpuPriceTable({"H100": Decimal("2.40")}, host_overrides={"gpu-b": Decimal("1.20")})
CONFIG = AllocationConfig(self_hosted_providers=frozenset({"vllm"}))
RANGE = {"since": "2026-11-20T12:00:00Z", "until": "2026-11-20T14:00:00Z"}


def _seed(store) -> None:
    insert_samples(store, [*samples("gpu-a", "a1", "NVIDIA H100 80GB HBM3", T, 120, MINUTE, 0.5),  # 2 h at 50 %
                           *samples("gpu-b", "b1", "NVIDIA L4", T, 60, MINUTE, 1.0),             # 12:00-13:00
                           *samples("gpu-c", "c1", "NVIDIA T4", T, 60, MINUTE, 1.0)])            # no price
    insert_calls(store, [call(T + 5 * MINUTE, "s1", "gpu-a", 10, 10), call(T + 65 * MINUTE, "s2", "gpu-a", 10, 10),
                         call(T + 5 * MINUTE, "s3", "gpu-x", 10, 10), call(T + 66 * MINUTE, "s4", "gpu-x", 10, 10),
                         call(T + 6 * MINUTE, "s5", "gpu-c", 10, 10)])
    run_gpu_cost_job(store, PRICES, CONFIG, T + timedelta(hours=2, minutes=1))


@pytest.fixture
def service(service_factory):
    """The service's own GPU cost job (shipped prices) runs once at start, then waits an hour: the tests price with
    theirs (`_seed`), and two jobs pricing the same queued hours race (whichever writes last wins)."""
    running = service_factory(gpu={"cost_interval_seconds": 3600})
    eventually(lambda: httpx.get(f"{running.api}/readyz", timeout=30).json()["jobs"]["gpu-costs"]["runs"] >= 1,
               timeout=60, what="the service's first GPU cost run")
    return running


def costs(service, params: dict) -> httpx.Response:
    """GET /api/v1/gpu/costs with the time a loaded runner needs (httpx's default is 5 s)."""
    return httpx.get(f"{service.api}/api/v1/gpu/costs", params=params, timeout=60)


def test_per_host_costs_over_the_range(service):
    _seed(service.store)
    body = costs(service, RANGE).json()
    assert (body["since"], body["until"]) == ("2026-11-20T12:00:00Z", "2026-11-20T14:00:00Z")
    hosts = {h["host_name"]: h for h in body["hosts"]}
    a, b, c, x = hosts["gpu-a"], hosts["gpu-b"], hosts["gpu-c"], hosts["gpu-x"]
    # gpu-a: 2 h x 2.40 = 4.80; 50 % used, one call each hour: allocated 2.40, idle 2.40.
    assert (Decimal(a["gpu_cost"]), Decimal(a["allocated"]), Decimal(a["idle"])) == (
        Decimal("4.8"), Decimal("2.4"), Decimal("2.4"))
    assert (a["idle_share"], a["calls"], a["unknown_host_calls"], a["priced_hours"]) == (0.5, 2, 0, 2)
    # gpu-b: host price 1.20 for one hour, no calls: all idle.
    assert (Decimal(b["gpu_cost"]), Decimal(b["allocated"]), Decimal(b["idle"]), b["idle_share"]) == (
        Decimal("1.2"), Decimal(0), Decimal("1.2"), 1.0)
    assert b["price_source"] == "host:gpu-b"
    # gpu-c: a T4 has no price: no sums, one unpriced hour, its call still counted.
    assert (c["gpu_cost"], c["idle"], c["idle_share"], c["unpriced_hours"], c["calls"]) == (None, None, None, 1, 1)
    assert "no GPU price matches 'NVIDIA T4'" in c["price_source"]
    # gpu-x: vllm calls on a host that sends no GPU samples.
    assert (x["unknown_host_calls"], x["calls"], x["gpu_cost"]) == (2, 0, None)


def test_hourly_series_and_project_filter(service):
    _seed(service.store)
    body = costs(service, {**RANGE, "step": 3600}).json()
    assert body["step_seconds"] == 3600
    series = {h["host_name"]: h["series"] for h in body["hosts"]}
    assert [(p["bucket"], Decimal(p["gpu_cost"]), p["calls"]) for p in series["gpu-a"]] == [
        ("2026-11-20T12:00:00.000000000Z", Decimal("2.4"), 1), ("2026-11-20T13:00:00.000000000Z", Decimal("2.4"), 1)]
    assert [(p["bucket"], p["unknown_host_calls"]) for p in series["gpu-x"]] == [
        ("2026-11-20T12:00:00.000000000Z", 1), ("2026-11-20T13:00:00.000000000Z", 1)]
    other = costs(service, {**RANGE, "project": "nope"}).json()
    assert other["hosts"] == []


def test_bad_parameters_are_400_with_a_message(service):
    for params, message in (({**RANGE, "step": 60}, "step"), ({**RANGE, "step": 5400}, "multiple"),
                            ({"since": "yesterday"}, "since"), ({"since": "2h", "until": "3h"}, "before")):
        response = costs(service, params)
        assert response.status_code == 400, params
        assert message in response.json()["error"]


def test_the_hours_without_a_gpu_price_are_listed_with_the_reason(service):
    """After the service's own first GPU cost run (the fixture waits for it): the test runs the job itself."""
    day = T - timedelta(days=1)
    insert_samples(service.store, samples("gpu-a", "a1", "NVIDIA H100 80GB HBM3", day, 24 * 60, MINUTE, 0.5))
    the_day = {"since": day.isoformat(), "until": (day + timedelta(days=1)).isoformat()}
    waiting = costs(service, the_day).json()
    assert waiting["hosts"] == [] and waiting["unpriced_hours_total"] == 24
    assert {(h["host_name"], h["reason"]) for h in waiting["unpriced_hours"]} == {("", "queued")}
    assert waiting["unpriced_hours"][0]["hour"] == "2026-11-19T12:00:00Z"
    _seed(service.store)  # runs the job at T + 2 h: the day before is far outside any look-back
    priced = costs(service, the_day).json()
    assert priced["unpriced_hours"] == []
    assert [(h["host_name"], Decimal(h["gpu_cost"]), h["priced_hours"]) for h in priced["hosts"]] == [
        ("gpu-a", Decimal("57.6"), 24)]
    around = costs(service, RANGE).json()["unpriced_hours"]
    assert [(h["hour"], h["host_name"], h["reason"], h["calls"]) for h in around] == [
        ("2026-11-20T12:00:00Z", "gpu-c", "no_gpu_price", 1), ("2026-11-20T12:00:00Z", "gpu-x", "no_gpu_samples", 1),
        ("2026-11-20T13:00:00Z", "gpu-x", "no_gpu_samples", 1)]
    assert "no GPU price matches 'NVIDIA T4'" in around[0]["detail"] and "gpu.host_map" in around[1]["detail"]


def test_an_hour_with_samples_and_nothing_queued_says_so(service_factory):
    service = service_factory(gpu={"cost_interval_seconds": 3600})
    insert_samples(service.store, samples("gpu-a", "a1", "NVIDIA H100 80GB HBM3", T, 30, MINUTE, 0.5))
    service.store.command("TRUNCATE TABLE gpu_cost_queue")  # as if its rows had expired before the job ran
    [hour] = costs(service, RANGE).json()["unpriced_hours"]
    assert (hour["hour"], hour["reason"]) == ("2026-11-20T12:00:00Z", "not_queued")
    assert "gpu-costs job running" in hour["detail"]
