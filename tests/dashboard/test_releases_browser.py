"""The Releases page in a real headless Chromium: a change reported through the API appears on the timeline and in
the table, its link opens the comparison of the verdict the service's canary job wrote for it, and the "compare
any two versions" form compares the fleet's two models with their real numbers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from client.api import ApiClient
from client.models.changes import ReportChange
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def test_a_reported_change_shows_on_the_timeline_with_its_verdict_and_comparison(fleet, open_page, tmp_path):
    change_id = f"release-{uuid.uuid4().hex[:8]}"
    at = (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()
    with ApiClient(fleet.api) as api:
        api.report_change(ReportChange(kind="model", service="chat-api", from_value="gpt-4o",
                                       to_value="claude-sonnet-4", author="release-bot", at=at, id=change_id))
        # The service's canary job (every 2 s in the fleet) judges it: no calls in its window, so too little data.
        runs = eventually(lambda: api.change_verdicts(change_id).verdicts or None, timeout=60, interval=0.5,
                          what="the canary job's verdict on the reported change")
    assert runs[0].verdict == "insufficient_data"

    page = open_page(f"{fleet.dashboard_url}/releases?range=24h&change={change_id}&cmp_by=model"
                     "&cmp_baseline=gpt-4o&cmp_candidate=claude-sonnet-4&cmp_service=chat-api&cmp_since=6h",
                     title="Releases")
    expect(page.locator(CHART).first).to_be_visible(timeout=30_000)
    expect(page.locator(".legendtext", has_text="model · insufficient data").first).to_be_visible()
    tables = page.get_by_test_id("stDataFrame")
    # The changes job may also have detected the fleet's own switch between these models: either row will do here,
    # the author below is the reported one's.
    expect(tables.first.locator('td[role="gridcell"]', has_text="gpt-4o → claude-sonnet-4").first).to_be_attached(
        timeout=20_000)
    expect(tables.first.locator('td[role="gridcell"]', has_text="release-bot").first).to_be_attached()
    expect(page.get_by_role("heading", name="model of chat-api: gpt-4o → claude-sonnet-4")).to_be_visible()
    # The change's comparison, then the form's: the fleet's four gpt-4o calls at 200 ms against two at 800 ms.
    expect(tables.nth(1).locator('td[role="gridcell"]', has_text="p95 latency (critical)")).to_be_attached()
    expect(page.get_by_text("gpt-4o vs claude-sonnet-4: 4 vs 2 calls")).to_be_visible(timeout=20_000)
    form_table = tables.nth(2)
    expect(form_table.locator('td[role="gridcell"]', has_text="200 ms").first).to_be_attached()
    expect(form_table.locator('td[role="gridcell"]', has_text="+600 ms").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "None" not in page.locator("[data-testid='stMain']").first.inner_text()
    page.screenshot(path=str(tmp_path / "releases.png"), full_page=True)


def test_selecting_a_change_in_the_table_opens_it(fleet, open_page):
    change_id = f"flag-{uuid.uuid4().hex[:8]}"
    with ApiClient(fleet.api) as api:
        api.report_change(ReportChange(kind="flag", service="chat-api", from_value="off", to_value="on",
                                       author="ops", id=change_id))
    page = open_page(f"{fleet.dashboard_url}/releases?range=24h&kind=flag", title="Releases")
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator('td[role="gridcell"]', has_text="off → on").first).to_be_attached(timeout=20_000)
    table.click(position={"x": 15, "y": 52}, force=True)  # the first (newest) row's selection cell
    expect(page.get_by_role("heading", name="flag of chat-api: off → on")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Not analysed: the canary job")).to_be_visible()
    assert f"change={change_id}" in page.url
    expect(page.get_by_test_id("stException")).to_have_count(0)
