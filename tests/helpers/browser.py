"""A headless Chromium for the tests that open pages (Debian's package; no browser download): the session
fixture `browser`, registered as a plugin by tests/conftest.py for the dashboard and the post-mortem's HTML."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Streamlit draws a page in steps (a heading, then its tables); on a busy two-core runner the step
# after a visible heading can take longer than Playwright's default 5 s, so assertions wait up to 20 s.
EXPECT_TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
