"""The Quality & Drift page in a real headless Chromium, over evaluations and feedback sent for real."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from playwright.sync_api import expect

from tests.helpers.browser import follow_menu
from tests.helpers.fleet import wait_for_dashboard
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("quality-browser")

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
# (model, relevance score) per call; gpt-4o calls cost 0.0065 each (1000 in, 400 out).
CALLS = (("gpt-4o", 0.9), ("gpt-4o", 0.1), ("gpt-4o-mini", 0.8))


def _send(otlp_http: str) -> list[str]:
    provider = TracerProvider(resource=Resource.create({"service.name": "chat-api"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces", timeout=10)))
    tracer, traces = provider.get_tracer("tests.quality"), []
    for model, score in CALLS:
        with tracer.start_as_current_span(f"chat {model}", kind=SpanKind.CLIENT, attributes={
                "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 400}) as span:
            span.add_event("gen_ai.evaluation.result", {"gen_ai.evaluation.name": "relevance",
                                                        "gen_ai.evaluation.score.value": score,
                                                        "gen_ai.evaluation.explanation": f"judged {score}"})
            traces.append(format(span.get_span_context().trace_id, "032x"))
    provider.shutdown()
    return traces


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, list[str]]]:
    """`spyglass up` with its dashboard and fast jobs, holding three evaluated, priced calls and feedback."""
    service = ServiceProcess(tmp_path_factory.mktemp("quality") / "data", dashboard=True, env={
        "SPYGLASS_COSTS__INTERVAL_SECONDS": "0.5", "SPYGLASS_QUALITY__JOIN_INTERVAL_SECONDS": "0.5"}).start()
    try:
        traces = _send(service.otlp_http)
        httpx.post(f"{service.api}/api/v1/feedback", timeout=10, json={
            "trace_id": traces[0], "label": "thumbs_up", "comment": "exactly right", "user": "ann"}).raise_for_status()
        def joined_and_priced() -> bool:
            cost = httpx.get(f"{service.api}/api/v1/quality/cost", timeout=10).json()
            return [r["calls"] for r in cost["evaluations"]] == [2, 1] and bool(cost["feedback"])

        eventually(joined_and_priced, timeout=30, interval=0.2, what="the scores joined and priced")
        wait_for_dashboard(service.dashboard_url)
        yield service, traces
    finally:
        service.stop()


def _quality_page(open_page, service):
    """As a user gets there: open the app, then the page from the sidebar."""
    page = open_page(f"{service.dashboard_url}/?range=24h")
    follow_menu(page, "Quality & Drift")
    expect(page.get_by_role("heading", name="Quality & Drift")).to_be_visible(timeout=30_000)
    return page


def test_quality_page_shows_scores_worst_feedback_and_cost(scored, open_page, tmp_path):
    service, traces = scored
    page = _quality_page(open_page, service)
    expect(page.get_by_role("heading", name="Quality", exact=True)).to_be_visible(timeout=30_000)
    expect(page.locator(CHART)).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("heading", name="Pass rate of relevance by model")).to_be_visible()
    for model in ("gpt-4o", "gpt-4o-mini"):
        expect(page.locator(".legendtext", has_text=model).first).to_be_visible()
    for heading in ("Worst evaluations", "Feedback", "Cost per passing evaluation", "Cost per positive feedback"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # The only notice is the drift section's: no comparison has run yet (the drift job is hourly).
    expect(page.get_by_test_id("stAlert")).to_have_count(1)
    expect(page.get_by_test_id("stAlert").filter(has_text="No drift comparisons")).to_be_visible()
    page.screenshot(path=str(tmp_path / "quality.png"), full_page=True)


def test_worst_evaluation_links_to_its_trace(scored, open_page):
    service, traces = scored
    worst = httpx.get(f"{service.api}/api/v1/quality/worst", params={"limit": 1}, timeout=10).json()["rows"]
    assert (worst[0]["trace_id"], worst[0]["value"]) == (traces[1], 0.1)
    page = _quality_page(open_page, service)
    link = page.get_by_role("link", name="open trace").first  # the worst one comes first
    expect(link).to_be_visible(timeout=30_000)
    href = link.get_attribute("href")
    assert href == f"requests?trace={traces[1]}"
    page.goto(urljoin(page.url, href), wait_until="domcontentloaded")  # markdown links open a new tab
    expect(page.get_by_role("heading", name=f"Trace {traces[1]}")).to_be_visible(timeout=30_000)
    expect(page.locator('td[role="gridcell"]', has_text="gpt-4o").first).to_be_attached()
    expect(page.get_by_test_id("stException")).to_have_count(0)
