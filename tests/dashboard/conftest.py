"""Real parts for the dashboard tests: pages of a headless Chromium (tests/helpers/browser.py; the seeded services
are tests/helpers/fleet.py's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers.browser import watch_console


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Open a dashboard URL and wait until Streamlit has drawn the page title."""
    pages: list[Page] = []

    def open_(url: str, title: str = "Overview") -> Page:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        pages.append(page)
        watch_console(page)
        page.goto(url, wait_until="domcontentloaded", timeout=30_000)
        expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=45_000)
        return page

    yield open_
    for page in pages:
        page.close()
