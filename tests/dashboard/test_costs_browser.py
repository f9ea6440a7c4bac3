"""The Costs page in a real headless Chromium: spend, drill-down, budgets and unpriced calls of the fleet; the
token and GPU split and idle GPU cost apart on the GPU fleet."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from playwright.sync_api import expect

from dashboard.figures.costs import IDLE
from dashboard.format import money
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def priced_totals(fleet) -> dict:
    """Wait until the service's cost and rollup jobs have priced the fleet, then return the API's totals."""
    def priced() -> dict | None:
        body = httpx.get(f"{fleet.api}/api/v1/costs/breakdown", params={"by": "model", "since": "6h"},
                         timeout=10).json()
        return body if body["totals"]["calls"] == 6 else None

    return eventually(priced, timeout=60, interval=0.5, what="the fleet's six calls priced")


def test_costs_page_shows_spend_budgets_and_drills_down(fleet, open_page, tmp_path):
    body = priced_totals(fleet)
    page = open_page(f"{fleet.dashboard_url}/costs?range=6h", title="Costs")
    spend = page.locator('[data-testid="stMetric"]').filter(has_text="Spend").get_by_test_id("stMetricValue")
    expect(spend).to_have_text(money(body["totals"]["cost"]), timeout=30_000)
    expect(page.locator(CHART).first).to_be_visible(timeout=30_000)
    for model in ("gpt-4o", "claude-sonnet-4"):
        expect(page.locator(".legendtext", has_text=model).first).to_be_visible()
    expect(page.get_by_role("heading", name="Budgets")).to_be_visible()
    # Tables are drawn on a canvas; their accessible cells (hidden) carry the text.
    expect(page.locator('td[role="gridcell"]', has_text="default-project")).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "costs.png"), full_page=True)

    # Drill down: group by model, pick the first row, and the next level is filtered to it.
    page.get_by_test_id("stSelectbox").filter(has_text="Group by").click()
    page.get_by_role("option", name="model", exact=True).click()
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator('td[role="gridcell"]', has_text="gpt-4o").first).to_be_attached(timeout=20_000)
    table.click(position={"x": 15, "y": 52}, force=True)  # the first row's selection cell
    expect(page.get_by_text("model = gpt-4o")).to_be_visible(timeout=20_000)


def test_costs_page_splits_token_and_gpu_cost_and_shows_idle_apart(gpu_fleet, open_page, tmp_path):
    def breakdown() -> dict:
        return httpx.get(f"{gpu_fleet.api}/api/v1/costs/breakdown", params={"by": "team", "since": "6h"},
                         timeout=10).json()

    def priced() -> dict | None:
        body = breakdown()
        done = body["totals"]["calls"] == 4 and body["totals"]["gpu_calls"] == 3 and body["idle"]["hosts"]
        return body if done else None

    body = eventually(priced, timeout=90, interval=0.5, what="the GPU fleet's calls priced, three by GPU time")
    totals = body["totals"]
    page = open_page(f"{gpu_fleet.dashboard_url}/costs?range=6h", title="Costs")
    expect(_tile(page, "Spend")).to_have_text(money(totals["cost"]), timeout=30_000)
    expect(_tile(page, "Token cost")).to_have_text("$0.015")  # 4,000 x 2.50 + 500 x 10.00 per million: not $0.02
    expect(_tile(page, "GPU cost")).to_have_text(money(totals["gpu_cost"]))
    # Idle GPU time grows while the GPU cost job prices the samples hour by hour, and a relative range moves:
    # the tile shows what the API answered when the page ran, between what it answered before and after.
    expect(_tile(page, "Idle GPU")).to_have_text(re.compile(r"^\$[\d,]+\.\d+$"))
    shown = Decimal(_tile(page, "Idle GPU").inner_text().lstrip("$").replace(",", ""))
    after = Decimal(breakdown()["idle"]["cost"])
    low, high = sorted((Decimal(body["idle"]["cost"]), after))
    assert low.quantize(Decimal("0.01")) <= shown <= high.quantize(Decimal("0.01")) + Decimal("0.01"), \
        (shown, low, high)
    expect(_tile(page, "Unpriced calls")).to_have_text("0")  # the vLLM calls are priced through node-a's time
    expect(page.locator(".legendtext", has_text=IDLE).first).to_be_visible(timeout=30_000)
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator('td[role="gridcell"]', has_text="platform").first).to_be_attached(timeout=20_000)
    expect(page.get_by_text("not in the spend above")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "None" not in page.locator("section.main, [data-testid='stMain']").first.inner_text()
    page.screenshot(path=str(tmp_path / "costs-gpu.png"), full_page=True)


def test_a_breakdown_row_opens_its_traces_costliest_first(fleet, open_page):
    priced_totals(fleet)
    page = open_page(f"{fleet.dashboard_url}/costs?range=6h", title="Costs")
    page.get_by_test_id("stSelectbox").filter(has_text="Group by").click()
    page.get_by_role("option", name="model", exact=True).click()
    table = page.get_by_test_id("stDataFrame").first
    # The canvas draws "open traces"; the table's accessible cell carries the link's address.
    link = table.locator('td[role="gridcell"]', has_text="requests?").first
    expect(link).to_be_attached(timeout=30_000)
    href = link.text_content()
    assert href is not None and "sort=cost" in href and "model=" in href, href
    page.goto(urljoin(page.url, href), wait_until="domcontentloaded")  # a link cell opens a new tab
    expect(page.get_by_role("heading", name="Requests", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("radiogroup", name="Sort by").get_by_role("radio", name="cost")).to_be_checked()
    model = parse_qs(urlsplit(href).query)["model"][0]
    rows = page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]', has_text=model)
    expect(rows.first).to_be_attached()
    other = "claude-sonnet-4" if model == "gpt-4o" else "gpt-4o"
    expect(page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]', has_text=other)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)
