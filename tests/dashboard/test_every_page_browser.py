"""Every page of the menu opens in a real headless Chromium on the seeded fleet: its title, no Streamlit exception,
no console error, and the menu links carrying the global filters to the next page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard.app import MENU
from tests.helpers.browser import console_errors, settled
from tests.helpers.fleet import SHARED_SERVICES

pytestmark = SHARED_SERVICES


@pytest.mark.parametrize(("path", "title"), [("" if i == 0 else path, view.TITLE)
                                             for i, (view, _, path) in enumerate(MENU)])
def test_page_opens_cleanly_and_its_menu_carries_the_filters(fleet, open_page, path, title):
    page = open_page(f"{fleet.dashboard_url}/{path}?range=6h&service=chat-api", title=title)
    settled(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    menu = page.get_by_test_id("stSidebar").get_by_role("link")
    expect(menu.first).to_be_visible()
    for view, _, link_path in MENU[1:]:
        href = page.get_by_test_id("stSidebar").get_by_role("link", name=view.TITLE, exact=True).get_attribute("href")
        assert href == f"{link_path}?range=6h&service=chat-api", (view.TITLE, href)
    assert console_errors(page) == []
