"""The drift section of the Quality & Drift page in a real headless Chromium, against the real
service whose scheduler runs the drift job over calls sent by the OpenTelemetry SDK."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.helpers.browser import follow_menu
from tests.helpers.drift_fleet import DRIFT_FLEET, MIN_ROWS, send_drift_fleet
from tests.helpers.fleet import wait_for_dashboard
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("drift-browser")

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
GROUP = "Service / model / feature"


@pytest.fixture(scope="module")
def drift_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`spyglass up` with its dashboard and a drift job every 10 s (often enough to see the sent calls,
    rarely enough to leave the API the CPU), holding DRIFT_FLEET."""
    service = ServiceProcess(tmp_path_factory.mktemp("drift") / "data", dashboard=True,
                             env={"SPYGLASS_DRIFT__INTERVAL_SECONDS": "10",
                                  "SPYGLASS_DRIFT__MIN_ROWS": str(MIN_ROWS)}).start()
    try:
        send_drift_fleet(service.otlp_http)
        _wait_for_results(service)
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()


def _wait_for_results(service: ServiceProcess, timeout: float = 90) -> None:
    """Until the newest comparison of every model covers all the calls sent."""
    expected = {model: (reference, current) for model, (reference, current, _) in DRIFT_FLEET.items()}
    def complete() -> bool:
        latest = httpx.get(f"{service.api}/api/v1/drift", params={"latest": "true"}, timeout=10).json()["results"]
        return {r["model"]: (r["reference_rows"], r["current_rows"]) for r in latest} == expected

    eventually(complete, timeout=timeout, interval=0.5, what="complete drift results for every model")


def _open_drift(open_page, service: ServiceProcess):
    """As a user gets there: from the root, through the sidebar. Returns the page and its drift section (the
    quality section above it has charts and tables of its own once the heuristics job has scored the calls)."""
    page = open_page(f"{service.dashboard_url}/?range=24h")
    follow_menu(page, "Quality & Drift")
    expect(page.get_by_role("heading", name="Quality & Drift")).to_be_visible(timeout=45_000)
    drift = page.locator(".st-key-drift")
    expect(drift.get_by_role("heading", name="Drift", exact=True)).to_be_visible(timeout=30_000)
    expect(drift.get_by_role("combobox", name=GROUP)).to_be_visible(timeout=30_000)
    return page, drift


def test_drifted_model_first_then_the_steady_one(drift_service, open_page, tmp_path):
    page, drift = _open_drift(open_page, drift_service)
    expect(drift.get_by_role("combobox", name=GROUP)).to_have_value("chat-api / gpt-4o / (no feature)")
    expect(drift.get_by_test_id("stAlert").filter(has_text="Drifted")).to_be_visible(timeout=30_000)
    expect(drift.locator(CHART)).to_have_count(2, timeout=30_000)  # heat table, distributions
    heat = drift.locator(CHART).first
    expect(heat.locator("text", has_text="input_tokens").first).to_be_visible()
    expect(heat.locator(".heatmaplayer")).to_have_count(1)  # one layer, two traces (tested, untested)
    expect(drift.get_by_test_id("stDataFrame")).to_be_visible()
    # The distributions chart starts on the most drifted feature: input tokens.
    expect(drift.get_by_role("combobox", name="Feature", exact=True)).to_have_value("input_tokens")
    expect(drift.locator(CHART).nth(1).locator(".legendtext", has_text="reference")).to_be_visible()
    expect(drift.locator("iframe")).to_have_count(0)  # the report waits to be asked for
    drift.get_by_text("Show the full Evidently report").click()
    report = drift.frame_locator("iframe").first
    expect(report.get_by_text("input_tokens").first).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "drift.png"), full_page=True)
    drift.get_by_role("combobox", name=GROUP).click()
    page.get_by_role("option", name="chat-api / claude-sonnet-4 / (no feature)").click()
    expect(drift.get_by_test_id("stAlert").filter(has_text="No drift")).to_be_visible(timeout=30_000)


def test_insufficient_data_is_said_not_called_no_drift(drift_service, open_page):
    page, drift = _open_drift(open_page, drift_service)
    drift.get_by_role("combobox", name=GROUP).click()
    page.get_by_role("option", name="chat-api / tiny-model / (no feature)").click()
    expect(drift.get_by_test_id("stAlert").filter(has_text="Insufficient data")).to_be_visible(timeout=30_000)
    expect(drift.get_by_test_id("stAlert").filter(has_text="No drift")).to_have_count(0)
    heat = drift.locator(CHART).first
    expect(heat.locator("text", has_text="insufficient data").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
