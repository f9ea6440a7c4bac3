"""Real parts for the dashboard tests: the service with its dashboard, a headless Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.dashboard.fleet import FLEET, READ_KEY, send_fleet, wait_for_dashboard
from tests.service_process import ServiceProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Price and roll up within seconds, and one budget, so the Costs page has numbers to show. (At 0.5 s the
# two jobs kept an idle service at a quarter of a core for the whole session.)
FAST_COSTS = {"SPYGLASS_COST_INTERVAL_SECONDS": "2", "SPYGLASS_COST_ROLLUP_INTERVAL_SECONDS": "2",
              "SPYGLASS_BUDGETS": '[{"name": "default-project", "scope": "project", "value": "default", '
                                  '"monthly": "1"}]'}


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`spyglass up` with its dashboard, holding FLEET (sent two hours ago)."""
    service = ServiceProcess(tmp_path_factory.mktemp("fleet") / "data", dashboard=True, env=FAST_COSTS).start()
    try:
        send_fleet(service.otlp_http)
        summary = httpx.get(f"{service.api}/api/v1/summary", params={"since": "6h"}, timeout=10).json()
        assert summary["overall"]["requests"] == len(FLEET), summary
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="session")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`spyglass up` with a read key configured: the API refuses requests without it."""
    service = ServiceProcess(tmp_path_factory.mktemp("keyed") / "data", dashboard=True,
                             env={"SPYGLASS_READ_KEYS": f'["{READ_KEY}"]'}).start()
    try:
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()


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
