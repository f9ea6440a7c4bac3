"""The Settings page in a real headless Chromium: the price catalog, budgets, rules, receivers, keys, jobs and
storage per table as the API reports them; a broken price catalog file said prominently here and as a banner on
the Costs page (then mended); and with only a read key, the parts that need an admin key say so while the rest is
shown."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from client.api import ApiClient
from dashboard.figures.settings import every
from tests.helpers.browser import console_errors
from tests.helpers.fleet import FLEET_CATALOG, SHARED_SERVICES
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
BROKEN = "The price catalog file is broken"


def _tile(page, label: str):
    label_element = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.locator('[data-testid="stMetric"]').filter(has=label_element).get_by_test_id("stMetricValue")


def _cells(page, nth: int):
    return page.get_by_test_id("stDataFrame").nth(nth).locator('td[role="gridcell"]')


def test_settings_page_shows_the_configuration_the_api_reports(fleet, open_page, tmp_path):
    with ApiClient(fleet.api) as api:
        catalog, view = api.cost_catalog(), api.settings()
        rules = api.rules()
    assert catalog.error == "" and view.receivers == []

    page = open_page(f"{fleet.dashboard_url}/settings", title="Settings")
    expect(page.get_by_text("Read-only.")).to_be_visible()
    expect(_tile(page, "Version in force")).to_have_text(catalog.version[:12], timeout=30_000)
    expect(_tile(page, "Entries")).to_have_text(f"{catalog.entries:,}")
    expect(page.get_by_text(BROKEN)).to_have_count(0)
    expect(_cells(page, 0).filter(has_text="default-project").first).to_be_attached(timeout=20_000)  # the budget
    for rule in rules.rules[:3]:
        expect(_cells(page, 1).filter(has_text=rule.name).first).to_be_attached()
    expect(page.get_by_text("No notification receivers")).to_be_visible()
    expect(_cells(page, 2).filter(has_text="admin_keys").first).to_be_attached()
    costs = next(j for j in view.jobs if j.name == "costs")
    jobs = _cells(page, 4)
    expect(jobs.filter(has_text="cost-rollup").first).to_be_attached()
    expect(jobs.filter(has_text=every(costs.interval_seconds)).first).to_be_attached()
    expect(_cells(page, 3).filter(has_text="embedded (chDB)").first).to_be_attached()
    storage = _cells(page, 5)  # every table that holds rows; the fleet's service keeps everything
    expect(storage.filter(has_text="llm_calls").first).to_be_attached()
    expect(storage.filter(has_text="forever").first).to_be_attached()
    expect(_tile(page, "On disk")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "None" not in page.locator("[data-testid='stMain']").first.inner_text()
    assert not console_errors(page), "\n".join(console_errors(page))
    page.screenshot(path=str(tmp_path / "settings.png"), full_page=True)


def test_a_broken_price_catalog_is_said_on_settings_and_costs(fleet, open_page):
    with ApiClient(fleet.api) as api:
        good = api.cost_catalog()
        path = Path(good.files[0])
        try:
            path.write_text("entries: [ {id: broken")
            os.utime(path, ns=(1, 1))
            broken = eventually(lambda: (status := api.cost_catalog()).error and status, timeout=20, interval=0.2,
                                what="the API reporting the broken catalog file")
            assert broken.version == good.version  # the last good catalog stays in force
            settings = open_page(f"{fleet.dashboard_url}/settings", title="Settings")
            alert = settings.get_by_test_id("stAlertContentError").filter(has_text=BROKEN)
            expect(alert).to_be_visible(timeout=30_000)
            expect(alert).to_contain_text(broken.error.splitlines()[0][:40])
            costs = open_page(f"{fleet.dashboard_url}/costs?range=6h", title="Costs")
            expect(costs.get_by_test_id("stAlertContentWarning").filter(has_text=BROKEN)).to_be_visible(
                timeout=30_000)
            for page in (settings, costs):
                expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            path.write_text(FLEET_CATALOG)
            os.utime(path, ns=(2, 2))
            eventually(lambda: api.cost_catalog().error == "", timeout=20, interval=0.2, what="the catalog mended")


def test_with_a_read_key_the_admin_parts_say_what_they_need(keyed, open_page):
    page = open_page(f"{keyed.dashboard_url}/settings", title="Settings")
    expect(page.get_by_text("need an admin key")).to_be_visible(timeout=30_000)
    expect(_tile(page, "Entries")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
