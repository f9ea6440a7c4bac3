"""A headless Chromium for the tests that open pages (Debian's package; no browser download): the session
fixture `browser`, registered as a plugin by tests/conftest.py for the dashboard and the post-mortem's HTML."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from weakref import WeakKeyDictionary

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Streamlit draws a page in steps (a heading, then its tables); on a busy two-core runner the step
# after a visible heading can take longer than Playwright's default 5 s, so assertions wait up to 20 s.
EXPECT_TIMEOUT_MS = 20_000
# Console errors that are Streamlit's and the sandbox's, not a page's: a deep link (/alerts) makes Streamlit's client
# probe /alerts/_stcore/health and host-config (404) before the root's, and the page icon is fetched from
# fonts.gstatic.com, which an offline machine cannot resolve.
_NOT_THE_PAGES = ("/_stcore/", "fonts.gstatic.com")
_ERRORS: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch_console(page: Page) -> None:
    """Record the page's console errors from now on (call before `goto`); `console_errors` reads them."""
    errors = _ERRORS.setdefault(page, [])

    def record(message: ConsoleMessage) -> None:
        if message.type == "error" and not any(part in message.location.get("url", "") for part in _NOT_THE_PAGES):
            errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", record)


def console_errors(page: Page) -> list[str]:
    return list(_ERRORS.get(page, []))
