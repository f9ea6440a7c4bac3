"""The Models page in a real headless Chromium: the fleet's two models side by side with the API's own numbers
(latency percentiles, time to first token, error rate, exact spend and cost per 1k calls, providers), the charts
drawn, and no exception or console error."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect

from client.api import ApiClient, Query
from dashboard.format import duration_ms, money_exact, percent
from tests.helpers.browser import console_errors
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def test_models_page_shows_each_model_with_the_api_numbers(fleet, open_page, tmp_path):
    query = Query(since="6h")
    with ApiClient(fleet.api) as api:
        costs = eventually(lambda: (body := api.cost_breakdown(query, "model")).totals.calls == 6 and body,
                           timeout=60, interval=0.5, what="the fleet's six calls priced")
        summary = api.summary(query)
    assert {m.model for m in summary.by_model} == {"gpt-4o", "claude-sonnet-4"}

    page = open_page(f"{fleet.dashboard_url}/models?range=6h", title="Models")
    expect(_tile(page, "p95 latency")).to_have_text(duration_ms(summary.overall.latency_ms.p95), timeout=30_000)
    expect(_tile(page, "p95 TTFT")).to_have_text(duration_ms(summary.overall.ttft_ms.p95))
    expect(_tile(page, "Models")).to_have_text("2")
    table = page.get_by_test_id("stDataFrame").first
    cells = table.locator('td[role="gridcell"]')
    expect(cells.filter(has_text="gpt-4o").first).to_be_attached(timeout=20_000)
    for m in summary.by_model:
        for shown in (duration_ms(m.latency_ms.p50), duration_ms(m.latency_ms.p99), percent(m.error_rate)):
            expect(cells.filter(has_text=shown).first).to_be_attached()
    gpt = next(m for m in summary.by_model if m.model == "gpt-4o")
    expect(cells.filter(has_text=duration_ms(gpt.ttft_ms.p95)).first).to_be_attached()  # 120 ms, streamed
    for row in costs.rows:
        assert row.cost_per_request is not None
        for amount in (row.cost, row.cost_per_request, row.cost_per_request * Decimal(1000)):
            expect(cells.filter(has_text=money_exact(amount)).first).to_be_attached()
    for provider in ("openai", "anthropic"):
        expect(cells.filter(has_text=provider).first).to_be_attached()
    expect(page.locator(CHART)).to_have_count(3, timeout=30_000)
    expect(page.locator(".gtitle", has_text="p95 time to first token")).to_be_visible()
    expect(page.locator(".legendtext", has_text="claude-sonnet-4").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "None" not in page.locator("[data-testid='stMain']").first.inner_text()
    assert not console_errors(page), "\n".join(console_errors(page))
    page.screenshot(path=str(tmp_path / "models.png"), full_page=True)

    # The sidebar's model filter narrows the comparison to one model.
    narrowed = open_page(f"{fleet.dashboard_url}/models?range=6h&model=claude-sonnet-4", title="Models")
    expect(_tile(narrowed, "Models")).to_have_text("1", timeout=30_000)
    expect(narrowed.get_by_text("No call in this range reported a time to first token")).to_be_visible()
    expect(narrowed.get_by_test_id("stException")).to_have_count(0)
