"""The Runbooks page in a real headless Chromium: the shipped library as the API lists it, one runbook opened by
its link (`?runbook=<id>`) rendered from Markdown with its diagnostics and versions, and no exception or console
error."""

from __future__ import annotations

from playwright.sync_api import expect

from client.api import ApiClient
from tests.helpers.browser import console_errors
from tests.helpers.fleet import SHARED_SERVICES

pytestmark = SHARED_SERVICES


def test_runbooks_page_lists_the_library_and_renders_a_linked_runbook(fleet, open_page, tmp_path):
    with ApiClient(fleet.api) as api:
        library = api.runbooks()
        doc = api.runbook("cost-spike")
        versions = api.runbook_versions("cost-spike")
    assert len(library.runbooks) >= 12 and doc.diagnostics

    page = open_page(f"{fleet.dashboard_url}/runbooks?runbook=cost-spike", title="Runbooks")
    cells = page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]')
    for runbook in library.runbooks:
        expect(cells.filter(has_text=runbook.title).first).to_be_attached(timeout=20_000)
    # The runbook itself: its title as the section heading, its Markdown rendered (no front matter shown).
    expect(page.get_by_role("heading", name=doc.title).first).to_be_visible(timeout=20_000)
    main = page.locator("[data-testid='stMain']").first
    expect(main.locator("h4, h5").filter(has_text="First five minutes").first).to_be_visible()
    assert "applies_to:" not in main.inner_text() and "---" not in main.inner_text()
    diagnostics = page.get_by_test_id("stDataFrame").nth(1).locator('td[role="gridcell"]')
    for diagnostic in doc.diagnostics:
        expect(diagnostics.filter(has_text=diagnostic.query).first).to_be_attached()
    versions_table = page.get_by_test_id("stDataFrame").nth(2).locator('td[role="gridcell"]')
    expect(versions_table.filter(has_text=versions.versions[0].version).first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert not console_errors(page), "\n".join(console_errors(page))
    page.screenshot(path=str(tmp_path / "runbooks.png"), full_page=True)
