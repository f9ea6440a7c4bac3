"""The Requests page (trace explorer) in a real headless Chromium over the seeded fleet: the traces listed,
sorted by cost, one opened from the table and closed, a filter, and one opened straight from its URL with its
waterfall and costs."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from dashboard.format import duration_ms, money, money_exact
from tests.helpers.fleet import FLEET, SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def priced_traces(fleet) -> list[dict]:
    """The fleet's traces, costliest first, once the cost job has priced every call (each call is its own trace)."""
    def priced() -> list[dict] | None:
        rows = httpx.get(f"{fleet.api}/api/v1/traces", params={"since": "6h", "sort": "cost"}, timeout=10).json()["rows"]
        return rows if len(rows) == len(FLEET) and not any(r["unpriced_calls"] for r in rows) else None

    return eventually(priced, timeout=60, interval=0.5, what="the fleet's traces priced")


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def test_requests_page_lists_the_fleets_traces_and_opens_one_from_the_table(fleet, open_page, tmp_path):
    rows = priced_traces(fleet)
    page = open_page(f"{fleet.dashboard_url}/requests?range=6h&sort=cost", title="Requests")
    table = page.get_by_test_id("stDataFrame").first
    for name in ("chat gpt-4o", "chat claude-sonnet-4"):
        expect(table.locator('td[role="gridcell"]', has_text=name).first).to_be_attached(timeout=30_000)
    expect(table.locator('td[role="gridcell"]', has_text=rows[0]["trace_id"])).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    table.click(position={"x": 15, "y": 52}, force=True)  # the first row's selection cell: the costliest trace
    expect(page.get_by_role("heading", name=f"Trace {rows[0]['trace_id']}")).to_be_visible(timeout=20_000)
    expect(_tile(page, "Cost")).to_have_text(money(rows[0]["cost"]))
    assert f"trace={rows[0]['trace_id']}" in page.url, "the open trace is in the URL, to share"
    page.screenshot(path=str(tmp_path / "requests.png"), full_page=True)

    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("heading", name=f"Trace {rows[0]['trace_id']}")).to_have_count(0, timeout=20_000)
    # A filter narrows the list (and the closed trace stays closed though its row was selected).
    failed = [r["trace_id"] for r in rows if r["error"]]
    page.get_by_role("radiogroup", name="Status").get_by_role("radio", name="error", exact=True).click()
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator('td[role="gridcell"]', has_text=failed[0])).to_be_attached(timeout=20_000)
    expect(table.locator('td[role="gridcell"]', has_text="chat gpt-4o")).to_have_count(0)
    expect(page.get_by_role("heading", name=f"Trace {rows[0]['trace_id']}")).to_have_count(0)
    assert "status=error" in page.url


def test_a_trace_opened_by_its_url_shows_its_waterfall_costs_and_call(fleet, open_page, tmp_path):
    rows = priced_traces(fleet)
    failed = next(r for r in rows if r["error"])
    detail = httpx.get(f"{fleet.api}/api/v1/traces/{failed['trace_id']}", timeout=10).json()
    page = open_page(f"{fleet.dashboard_url}/requests?range=6h&trace={failed['trace_id']}", title="Requests")
    expect(page.get_by_role("heading", name=f"Trace {failed['trace_id']}")).to_be_visible(timeout=30_000)
    expect(page.locator(CHART).first).to_be_visible(timeout=30_000)
    expect(page.locator(".legendtext", has_text="error").first).to_be_visible()
    expect(_tile(page, "Cost")).to_have_text(money(detail["totals"]["cost"]))
    expect(_tile(page, "Duration")).to_have_text(duration_ms(detail["totals"]["duration_ms"]))
    expect(page.get_by_text(f"exact: {money_exact(detail['totals']['cost'])}")).to_be_visible()
    expect(page.get_by_role("heading", name="LLM calls")).to_be_visible()
    expect(page.locator('td[role="gridcell"]', has_text="anthropic").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "requests-trace.png"), full_page=True)
