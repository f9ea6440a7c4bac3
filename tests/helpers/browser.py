"""A headless Chromium for the tests that open pages (Debian's package; no browser download): the session
fixture `browser`, registered as a plugin by tests/conftest.py for the dashboard and the post-mortem's HTML."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Streamlit draws a page in steps (a heading, then its tables); on a busy two-core runner the step
# after a visible heading can take longer than Playwright's default 5 s, so assertions wait up to 20 s.
EXPECT_TIMEOUT_MS = 20_000
# Streamlit's app root once its script run is over: a rerun keeps the previous run's elements on the page (stale)
# until it ends, so a widget a rerun redraws (tabs after a button) is on the page twice meanwhile.
SETTLED = '[data-test-script-state="notRunning"]'


def settled(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the page's script run is over."""
    expect(page.locator(SETTLED)).to_have_count(1, timeout=timeout_ms)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


_CONSOLE: dict[int, list[str]] = {}
# Console errors that are Streamlit's or the sandbox's, not a page's, and happen on every page:
# - on a deep link (/costs) Streamlit's frontend first probes /costs/_stcore/health and /costs/_stcore/host-config
#   for a base path, gets a 404, and falls back to /_stcore/...;
# - the browser tab's icon (`page_icon=":material/..."`) is fetched from fonts.gstatic.com, which a machine
#   without internet access cannot resolve.
PLATFORM_NOISE = (re.compile(r"404 \(Not Found\) \(http://[^/]+/[\w-]+/_stcore/(health|host-config)\)$"),
                  re.compile(r"\(https://fonts\.gstatic\.com/"))


# The sidebar's menu is drawn once the page's script has finished (its links carry the filters the page settled
# on), so it appears after the page's heading, and on a loaded runner that can take more than 30 s.
MENU_TIMEOUT_MS = 90_000


def follow_menu(page: Page, title: str) -> None:
    """Click the sidebar's link to the page `title`, as a user would, once the menu is there."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=title, exact=True).click(timeout=MENU_TIMEOUT_MS)


def watch_console(page: Page) -> None:
    """Record the page's console errors and uncaught exceptions from now on (call before it navigates)."""
    errors = _CONSOLE.setdefault(id(page), [])
    page.on("console", lambda message: errors.append(f"{message.text} ({message.location.get('url', '')})")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))


def console_errors(page: Page) -> list[str]:
    """What the browser's console reported as errors on `page` since `watch_console` (open_page watches), but
    the platform's noise above."""
    return [e for e in _CONSOLE.get(id(page), []) if not any(noise.search(e) for noise in PLATFORM_NOISE)]
