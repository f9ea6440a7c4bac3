"""The Costs page in a real headless Chromium: spend, drill-down, budgets and unpriced calls of the fleet."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from dashboard.figures.costs import money
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


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
