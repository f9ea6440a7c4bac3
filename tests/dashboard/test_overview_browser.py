"""The Overview page in a real headless Chromium, against the real service and data sent by the OTel SDK."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect

from dashboard.format import money
from spyglass.service import DASHBOARD_APP, streamlit_command
from tests.helpers.browser import follow_menu
from tests.helpers.fleet import FLEET, SHARED_SERVICES, wait_for_dashboard
from tests.helpers.rollup_calls import VALUE_TOLERANCE
from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _tile(page, label: str):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label)


@pytest.fixture
def spend(fleet) -> Decimal:
    """The fleet's spend, once the cost jobs have priced and rolled up every call (the Spend chart reads the
    rollup)."""
    return eventually(lambda: _priced_spend(fleet), what="the fleet's calls priced and rolled up")


def _about_ms(tile, expected: int) -> bool:
    """The tile shows `expected` ms within the percentile estimates' value tolerance (the call rollups' sketch
    reads 799 ms for 800)."""
    value = tile.get_by_test_id("stMetricValue")
    expect(value).to_have_text(re.compile(r"^\d+ ms$"))
    return abs(int(value.inner_text().split()[0]) - expected) <= expected * VALUE_TOLERANCE


def test_overview_shows_the_fleet(fleet, spend, open_page, tmp_path):
    page = open_page(f"{fleet.dashboard_url}/?range=6h")
    expect(page.locator(CHART)).to_have_count(6, timeout=30_000)
    tokens = sum(call.input_tokens + call.output_tokens for call in FLEET)
    expect(_tile(page, "Requests").get_by_test_id("stMetricValue")).to_have_text(str(len(FLEET)))
    expect(_tile(page, "Error rate").get_by_test_id("stMetricValue")).to_have_text("16.7%")
    expect(_tile(page, "Total tokens").get_by_test_id("stMetricValue")).to_have_text(f"{tokens:,}")
    assert _about_ms(_tile(page, "p95 latency"), 800)
    assert _about_ms(_tile(page, "p95 TTFT"), 120)  # the streamed gpt-4o calls
    expect(_tile(page, "Spend").get_by_test_id("stMetricValue")).to_have_text(money(spend))
    # Nothing was sent in the six hours before: no change to show, rather than "+inf %".
    expect(page.get_by_test_id("stMetricDelta")).to_have_count(0)
    expect(page.get_by_text("changes are against the")).to_be_visible()
    for model in ("gpt-4o", "claude-sonnet-4"):
        # Legend entries of the stacked charts and the latency chart's category axis.
        expect(page.locator(".legendtext", has_text=model).first).to_be_visible()
        expect(page.locator(".xtick text", has_text=model)).to_have_count(1)
    # Bars were drawn: two models stacked in one bucket on each of the two time charts.
    expect(page.locator(".js-plotly-plot .barlayer .point path")).not_to_have_count(0)
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlert")).to_have_count(0)
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 60_000, "a page with four charts and a table, not a blank one"


def test_model_filter_narrows_every_number(fleet, spend, open_page):
    page = open_page(f"{fleet.dashboard_url}/?range=6h&model=claude-sonnet-4")
    expect(page.locator(CHART)).to_have_count(6, timeout=30_000)
    expect(_tile(page, "Requests").get_by_test_id("stMetricValue")).to_have_text("2")
    expect(_tile(page, "Error rate").get_by_test_id("stMetricValue")).to_have_text("50.0%")
    expect(page.locator(".legendtext", has_text="gpt-4o")).to_have_count(0)


def test_overview_opens_at_its_own_address(fleet, open_page):
    """/overview is where a user types or links the page; it must not say "Page not found"."""
    page = open_page(f"{fleet.dashboard_url}/overview?range=6h")
    expect(_tile(page, "Requests").get_by_test_id("stMetricValue")).to_have_text(str(len(FLEET)))
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _priced_spend(fleet) -> Decimal | None:
    params = {"since": "6h", "by": "model"}
    totals = httpx.get(f"{fleet.api}/api/v1/costs/breakdown", params=params, timeout=10).json()["totals"]
    rolled_up = httpx.get(f"{fleet.api}/api/v1/costs/timeseries", params=params, timeout=10).json()["points"]
    return Decimal(totals["cost"]) if totals["priced_calls"] == len(FLEET) and rolled_up else None


def test_empty_range_says_how_to_send_data(fleet, open_page, tmp_path):
    page = open_page(f"{fleet.dashboard_url}/?range=15m")
    expect(page.get_by_text("No LLM calls in this range yet")).to_be_visible(timeout=30_000)
    # the hint names the collector this service really listens on
    expect(page.get_by_text(f"OTEL_EXPORTER_OTLP_ENDPOINT={fleet.otlp_http}")).to_be_visible()
    expect(page.locator(CHART)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "empty.png"), full_page=True)


def test_time_range_picker_reloads_the_page(fleet, open_page):
    page = open_page(f"{fleet.dashboard_url}/?range=6h")
    expect(_tile(page, "Requests").get_by_test_id("stMetricValue")).to_have_text(str(len(FLEET)),
                                                                                timeout=30_000)
    page.get_by_role("radiogroup", name="Time range").get_by_role("radio", name="15m", exact=True).click()
    expect(page.get_by_text("No LLM calls in this range yet")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(f"{fleet.dashboard_url}/?range=15m")


def test_dashboard_sends_the_read_key(keyed, open_page):
    """With read keys configured the API refuses anonymous reads; the dashboard still reads."""
    page = open_page(keyed.dashboard_url)
    expect(page.get_by_text("No LLM calls in this range yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stAlert").filter(has_text="401")).to_have_count(0)


@pytest.fixture
def dashboard_without_api(tmp_path) -> Iterator[str]:
    """The dashboard alone, pointed at a port where nothing listens."""
    port = free_port()
    env = {**os.environ, "SPYGLASS_API_URL": f"http://127.0.0.1:{free_port()}"}
    env.pop("SPYGLASS_API_KEY", None)
    process = subprocess.Popen(streamlit_command(DASHBOARD_APP, "127.0.0.1", port), env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_dashboard(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_unreachable_api_shows_a_banner(dashboard_without_api, open_page):
    page = open_page(dashboard_without_api)
    banner = page.get_by_test_id("stAlert").filter(has_text="Cannot reach the Spyglass API")
    expect(banner).to_be_visible(timeout=30_000)
    expect(banner).to_contain_text("spyglass up")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_filters_survive_a_page_change_and_a_reload(fleet, spend, open_page):
    page = open_page(f"{fleet.dashboard_url}/?range=6h&model=claude-sonnet-4")
    expect(_tile(page, "Requests").get_by_test_id("stMetricValue")).to_have_text("2")
    follow_menu(page, "Costs")
    expect(page.get_by_role("heading", name="Costs")).to_be_visible()
    claude = httpx.get(f"{fleet.api}/api/v1/costs/breakdown", timeout=10,
                       params={"since": "6h", "by": "model", "model": "claude-sonnet-4"}).json()["totals"]["cost"]
    assert Decimal(claude) < spend
    expect(_tile(page, "Spend").get_by_test_id("stMetricValue")).to_have_text(money(claude))
    expect(page).to_have_url(re.compile(r"/costs\?.*model=claude-sonnet-4"))
    page.reload(wait_until="domcontentloaded")
    expect(_tile(page, "Spend").get_by_test_id("stMetricValue")).to_have_text(money(claude))
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="claude-sonnet-4")).to_be_visible()


def test_an_environment_with_no_calls_says_the_filters_match_nothing(fleet, open_page):
    page = open_page(f"{fleet.dashboard_url}/?range=6h&environment=staging")
    expect(page.get_by_text("No LLM calls match these filters")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Environment")).to_be_visible()
