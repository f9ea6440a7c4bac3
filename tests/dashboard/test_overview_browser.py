"""The Overview page in a real headless Chromium, against the real service and its data."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from opentelemetry.trace import SpanKind, Status, StatusCode
from playwright.sync_api import Page, expect, sync_playwright

from tests.otel_clients import tracer_provider
from tests.service_process import ServiceProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = ServiceProcess(tmp_path_factory.mktemp("dash") / "data", dashboard=True).start()
    yield running
    running.stop()


def _open(browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=60_000)
    return page


def test_empty_state_says_how_to_send_data(service, browser, tmp_path):
    page = _open(browser, service.dashboard_url)
    expect(page.get_by_text("No LLM calls in this range yet")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("OTEL_EXPORTER_OTLP_ENDPOINT").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "empty.png"))
    page.close()


def test_overview_shows_the_fleet(service, browser, tmp_path):
    provider = tracer_provider("http", service)
    tracer = provider.get_tracer("test")
    for i in range(6):
        model = "gpt-4o" if i < 4 else "claude-sonnet-4"
        with tracer.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT, attributes={
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                "gen_ai.request.model": model, "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.output_tokens": 200}) as span:
            if i == 5:
                span.set_status(Status(StatusCode.ERROR, "overloaded"))
    provider.shutdown()
    assert httpx.get(f"{service.api}/api/v1/summary").json()["overall"]["requests"] == 6

    page = _open(browser, service.dashboard_url)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(4, timeout=60_000)
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Requests")).to_contain_text("6")
    expect(metrics.filter(has_text="Error rate")).to_contain_text("16.7%")
    expect(metrics.filter(has_text="Total tokens")).to_contain_text("7,200")
    for model in ("gpt-4o", "claude-sonnet-4"):
        expect(page.locator(".js-plotly-plot").filter(has_text=model).first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000, "a rendered page with charts, not a blank one"
    Path("/tmp/spyglass-overview.png").write_bytes(shot.read_bytes())
    page.close()


def test_filters_narrow_the_page(service, browser):
    page = _open(browser, f"{service.dashboard_url}/?model=claude-sonnet-4")
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Requests")).to_contain_text("2", timeout=60_000)
    expect(metrics.filter(has_text="Error rate")).to_contain_text("50.0%")
    page.close()
