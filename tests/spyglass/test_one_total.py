"""One total, whatever page asks: the cost breakdown, its series, the unpriced tile, budgets and the FOCUS export
of the same hours agree, on data with API calls, GPU-served calls (one of them with a token price too), a call
of a self-hosted provider on a host without GPU samples, and an idle GPU host."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import partial

import httpx
import pytest

from pipelines.costs.catalog import load_shipped
from pipelines.costs.job import run_cost_job
from pipelines.costs.rollup_job import run_rollup_job
from pipelines.gpu.allocation import AllocationConfig
from pipelines.gpu.job import run_gpu_cost_job
from pipelines.gpu.prices import GpuPriceTable
from tests.helpers.gpu_data import call, insert_calls, insert_samples, samples

NOW = datetime.now(timezone.utc)
H = NOW.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)  # a closed hour
MINUTE = timedelta(minutes=1)
H100 = "NVIDIA H100 80GB HBM3"
PRICES = GpuPriceTable({"H100": Decimal("2.40")})
CONFIG = AllocationConfig(self_hosted_providers=frozenset({"vllm"}))
RANGE = {"since": (H - timedelta(hours=1)).isoformat(), "until": (H + timedelta(hours=2)).isoformat()}
HOURLY = 3600  # the service's own jobs wait an hour: the test runs them, in order


@pytest.fixture
def fleet(service_factory):
    running = service_factory(
        costs={"interval_seconds": HOURLY, "rollup_interval_seconds": HOURLY, "budgets": [
            {"name": "platform", "scope": "team", "value": "platform", "monthly": "100"}]},
        gpu={"cost_interval_seconds": HOURLY, "model_prices": {"H100": "2.40"}})
    store = running.store
    insert_samples(store, [*samples("gpu-a", "a1", H100, H, 60, MINUTE, 0.5),      # serves platform's calls
                           *samples("gpu-idle", "i1", H100, H, 60, MINUTE, 0.0)])  # serves nobody
    insert_calls(store, [
        call(H + 5 * MINUTE, "api1", "api.openai.com", 1000, 500, provider="openai", model="gpt-4o"),
        call(H + 6 * MINUTE, "api2", "api.openai.com", 10, 10, provider="openai", model="mystery-model-9000"),
        call(H + 7 * MINUTE, "v1", "gpu-a", 200, 100, team="platform"),
        call(H + 8 * MINUTE, "v2", "gpu-a", 100, 100, team="platform"),
        # An OpenAI-compatible server on gpu-a: the catalog prices gpt-4o's tokens, but it ran on our GPU.
        call(H + 9 * MINUTE, "o1", "gpu-a", 100, 0, provider="openai", model="gpt-4o", team="platform"),
        call(H + 10 * MINUTE, "u1", "gpu-z", 10, 10, team="platform"),  # gpu-z sends no GPU samples
    ])
    later = partial(datetime.now, timezone.utc)
    run_cost_job(store, load_shipped(), later() + timedelta(seconds=5))
    run_gpu_cost_job(store, PRICES, CONFIG, later(), safety_delay=timedelta(0))
    run_rollup_job(store, later(), safety_delay=timedelta(0))
    return running


def _get(service, path: str, **params) -> dict:
    response = httpx.get(f"{service.api}{path}", params={**RANGE, **params}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _focus(service) -> dict[str, Decimal]:
    rows = _get(service, "/api/v1/export/focus")["rows"]
    out: dict[str, Decimal] = {}
    for row in rows:
        out[row["x_CostKind"]] = out.get(row["x_CostKind"], Decimal(0)) + Decimal(row["BilledCost"])
    return out


def test_the_breakdown_adds_up_to_the_focus_export(fleet):
    body = _get(fleet, "/api/v1/costs/breakdown", by="team")
    totals, idle = body["totals"], body["idle"]
    focus = _focus(fleet)
    # Token: gpt-4o 1000 x 2.50 + 500 x 10.00 per million = 0.0075 (o1's token price is not counted).
    # GPU: gpu-a 2.40 at 50 % = 1.20 split over v1, v2, o1; idle 1.20, and gpu-idle's 2.40 all idle.
    assert (Decimal(totals["token_cost"]), Decimal(totals["gpu_cost"]), Decimal(totals["cost"])) == (
        Decimal("0.0075"), Decimal("1.2"), Decimal("1.2075"))
    assert focus == {"api": Decimal("0.0075"), "gpu-allocated": Decimal("1.2"), "gpu-idle": Decimal("3.6")}
    assert Decimal(idle["cost"]) == focus["gpu-idle"]
    assert Decimal(totals["cost"]) + Decimal(idle["cost"]) == sum(focus.values())
    assert [(h["host_name"], Decimal(h["idle"])) for h in idle["hosts"]] == [
        ("gpu-idle", Decimal("2.4")), ("gpu-a", Decimal("1.2"))]


def test_gpu_served_calls_are_priced_and_the_unpriced_tile_agrees(fleet):
    rows = {r["team"]: r for r in _get(fleet, "/api/v1/costs/breakdown", by="team")["rows"]}
    platform = rows["platform"]
    assert (Decimal(platform["cost"]), Decimal(platform["token_cost"]), Decimal(platform["gpu_cost"])) == (
        Decimal("1.2"), Decimal(0), Decimal("1.2"))
    # v1, v2 and o1 are priced through gpu-a's time; only u1 (no GPU samples from its host) has no price.
    assert (platform["calls"], platform["gpu_calls"], platform["priced_calls"], platform["unpriced_calls"]) == (
        4, 3, 3, 1)
    unpriced = _get(fleet, "/api/v1/costs/unpriced")
    totals = _get(fleet, "/api/v1/costs/breakdown", by="team")["totals"]
    assert unpriced["calls"] == totals["unpriced_calls"] == 2 and unpriced["self_hosted_calls"] == 3
    assert {(g["model"], g["calls"]) for g in unpriced["groups"]} == {("mystery-model-9000", 1), ("llama-3.1-70b", 1)}


def test_per_user_answers_and_the_series_give_the_same_total(fleet):
    rollup = _get(fleet, "/api/v1/costs/breakdown", by="team")["totals"]
    per_call = _get(fleet, "/api/v1/costs/breakdown", by="user")["totals"]  # read from the cost rows
    for name in ("cost", "token_cost", "gpu_cost", "calls", "priced_calls", "unpriced_calls", "gpu_calls"):
        assert per_call[name] == rollup[name], name
    series = _get(fleet, "/api/v1/costs/timeseries", by="team", step=3600)
    assert sum(Decimal(p["cost"]) for p in series["points"]) == Decimal(rollup["cost"])
    assert sum(Decimal(p["gpu_cost"]) for p in series["points"]) == Decimal("1.2")
    assert sum(Decimal(p["idle"]) for p in series["idle"]) == Decimal("3.6")
    narrowed = _get(fleet, "/api/v1/costs/breakdown", by="model", team="platform")
    assert narrowed["idle"] is None, "idle GPU time belongs to no team"


def test_budgets_count_gpu_cost(fleet):
    [budget] = httpx.get(f"{fleet.api}/api/v1/budgets", timeout=30).json()["budgets"]
    assert budget["name"] == "platform"
    assert budget["month_to_date"] == ("1.2" if H.month == NOW.month else "0")  # cents of the GPU cost
