"""Real parts for the dashboard tests: a headless Chromium (the seeded services are tests/helpers/fleet.py's)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Open a dashboard URL and wait until Streamlit has drawn the page title."""
    pages: list[Page] = []

    def open_(url: str, title: str = "Overview") -> Page:
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        pages.append(page)
        page.goto(url, wait_until="domcontentloaded", timeout=30_000)
        expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=45_000)
        return page

    yield open_
    for page in pages:
        page.close()
