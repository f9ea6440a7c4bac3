"""The GPUs page in a real headless Chromium, against `spyglass up` holding GPU telemetry sent over OTLP
(the GPU fleet of tests/helpers/gpu_fleet.py: four GPUs on two hosts, one idle throughout, one idle for ten
minutes only, and a dcgm-exporter target where nothing listens, so the page must report it down)."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from dashboard.controls import PRESETS
from dashboard.format import money
from tests.helpers.browser import follow_menu
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _open_gpus(open_page, url: str, since: str):
    """Start where users start, follow the sidebar link, pick the range."""
    page = open_page(url)
    follow_menu(page, "GPUs")
    expect(page.get_by_role("heading", name="GPUs")).to_be_visible(timeout=45_000)
    page.get_by_role("radiogroup", name="Time range").get_by_role("radio", name=since, exact=True).click()
    expect(page.get_by_role("radiogroup", name="Time range").get_by_role("radio", name=since, exact=True)) \
        .to_be_checked()
    expect(page.get_by_text(f"GPUs in the last {PRESETS[since]}")).to_be_visible(timeout=30_000)
    return page


def _idle_dollars(service) -> dict[str, str]:
    """The idle cost per host as the API reports it once the gpu-costs job has priced every hour of the samples
    and calls (formatted like the page): the same answer twice with two runs each of the cost and GPU cost jobs
    in between, since the jobs price hour by hour and a loaded machine can delay a run by seconds."""
    seen: list[tuple[dict[str, int], dict[str, str]]] = []

    def settled() -> dict[str, str] | None:
        runs = service.job_runs()
        found = httpx.get(f"{service.api}/api/v1/gpu/costs", params={"since": "6h"}, timeout=30).json()["hosts"]
        if len(found) != 2 or not all(h["idle"] for h in found):
            return None
        idle = {h["host_name"]: money(h["idle"]) for h in found}
        if seen and idle == seen[-1][1] and all(runs[job] >= seen[-1][0][job] + 2 for job in ("costs", "gpu-costs")):
            return idle
        if not seen or idle != seen[-1][1]:
            seen.append((runs, idle))
        return None

    return eventually(settled, timeout=120, interval=2, what="GPU cost of both hosts, settled")


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def test_gpus_page_shows_the_fleet_heatmap_idle_gpus_and_a_down_target(gpu_fleet, open_page, tmp_path):
    idle = _idle_dollars(gpu_fleet)  # the page shows what the API had when it rendered: wait for the GPU cost job
    page = _open_gpus(open_page, gpu_fleet.dashboard_url, "6h")
    expect(page.locator(CHART)).to_have_count(3, timeout=30_000)       # heatmap, memory headroom, power
    expect(_tile(page, "GPUs")).to_have_text("4")
    expect(_tile(page, "Idle GPUs")).to_have_text("1")                  # node-a GPU 1; node-b GPU 1 idled 10 min only
    expect(_tile(page, "Mean utilisation")).to_have_text("46.8%")      # (0.8 + 0.02 + 0.5 + (10×0.03 + 110×0.6)/120) / 4
    for gpu in ("node-a · GPU 0", "node-a · GPU 1", "node-b · GPU 0", "node-b · GPU 1"):
        expect(page.locator(".ytick text", has_text=gpu)).to_have_count(2)   # heatmap row and headroom bar
    expect(page.locator(".legendtext", has_text="node-b")).to_have_count(1)  # a power line per host
    expect(page.get_by_role("heading", name="Fleet")).to_be_visible()
    expect(page.get_by_text("Stretches under 10% mean utilisation in every minute for 30 minutes")).to_be_visible()
    expect(page.get_by_test_id("stAlert").filter(has_text="1 of 1 dcgm-exporter targets are down")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_role("heading", name="Idle cost by host")).to_be_visible()
    for amount in idle.values():  # canvas tables: their accessible cells carry the text
        expect(page.locator('td[role="gridcell"]', has_text=amount).first).to_be_attached(timeout=30_000)
    shot = tmp_path / "gpus.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 60_000, "a page with three charts and tables, not a blank one"


def test_a_range_without_samples_says_how_to_send_them(gpu_fleet, open_page):
    page = _open_gpus(open_page, gpu_fleet.dashboard_url, "15m")
    expect(page.get_by_text("No GPU samples in this range yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"spyglass gpu-agent --endpoint {gpu_fleet.otlp_http}")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(0)
    expect(page.get_by_role("heading", name="DCGM scrape targets")).to_be_visible()


def test_host_filter_narrows_the_fleet_and_lives_in_the_url(gpu_fleet, open_page):
    page = open_page(f"{gpu_fleet.dashboard_url}/gpus?range=6h&host=node-b", title="GPUs")
    expect(_tile(page, "GPUs")).to_have_text("2", timeout=30_000)
    expect(page.locator(".ytick text", has_text="node-a")).to_have_count(0)
    expect(page.locator(".ytick text", has_text="node-b · GPU 1")).to_have_count(2)
    # The power tile is the fleet's total draw, and says so (its help names the mean per GPU).
    expect(page.get_by_test_id("stMetricLabel").get_by_text("Power draw", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
