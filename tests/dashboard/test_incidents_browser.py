"""The Incidents page in a real headless Chromium against the `ops` service (tests/helpers/ops_fleet.py), where the
critical alert opened INC-1 with the shipped cost-spike runbook pinned: the list and a linked incident render with
its timeline, trace links, runbook and impact; a runbook step ticked on the page is checked in the API, the
Acknowledge button acknowledges it, the post-mortem's summary edited on the page is stored, and the downloaded
post-mortem (Markdown and HTML) carries it."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.helpers.browser import console_errors, settled
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.ops_fleet import AGENT

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def tab(page: Page, name: str) -> None:
    settled(page)  # after a button, the rerun's tabs and the previous run's are both on the page until it ends
    page.get_by_role("tab", name=name).click()


def download(page: Page, label: str) -> str:
    with page.expect_download(timeout=90_000) as started:  # the report is rendered when the button is clicked
        page.get_by_role("button", name=label).click()
    return Path(started.value.path()).read_text()


def test_an_incident_is_worked_from_the_page_and_its_postmortem_downloaded(ops, open_page):
    with ops.client() as api:
        before = api.incident("INC-1")
        [agent] = [a for a in api.alerts().alerts if a.rule == "agent-spend"]
    assert before.status == "triggered" and not before.steps[0].checked
    page = open_page(f"{ops.service.dashboard_url}/incidents?incident=INC-1", title="Incidents")
    expect(page.get_by_role("heading", name=f"INC-1 · {AGENT} is calling in a loop")).to_be_visible()
    actor = page.get_by_role("textbox", name="Acting as")
    actor.fill("bo")
    actor.press("Enter")
    # Timeline: the alert's traces link to the Requests page; the list shows the incident.
    expect(page.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]', has_text="INC-1")).to_be_attached()
    for trace_id in agent.evidence["traces"]:
        expect(page.locator(f'a[href$="requests?trace={trace_id}"]')).to_be_visible()

    tab(page, "Runbook")
    expect(page.get_by_role("heading", name="Cost spike")).to_be_visible()
    page.get_by_text("Acknowledge the alert and note the hourly excess").click()
    expect(page.get_by_text("Step 1 checked.")).to_be_visible()
    with ops.client() as api:
        step = api.incident("INC-1").steps[0]
    assert (step.number, step.checked, step.by) == (1, True, "bo")

    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("Acknowledge: INC-1 by bo.")).to_be_visible()
    with ops.client() as api:
        acknowledged = api.incident("INC-1")
    assert (acknowledged.status, acknowledged.acknowledged_at is not None) == ("acknowledged", True)
    assert "ack" not in acknowledged.allowed_actions
    expect(page.get_by_role("button", name="Mitigate")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge", exact=True)).to_have_count(0)

    tab(page, "Impact")
    expect(page.locator(CHART).first).to_be_visible()

    summary = f"A loop in the support agent ({uuid.uuid4().hex[:6]})"
    tab(page, "Post-mortem")
    page.get_by_role("textbox", name="Summary").fill(summary)
    page.get_by_role("button", name="Save post-mortem").click()
    expect(page.get_by_text("Post-mortem saved.")).to_be_visible()
    with ops.client() as api:
        assert api.incident("INC-1").postmortem.summary == summary
    tab(page, "Post-mortem")
    markdown = download(page, "Download Markdown")
    assert "INC-1" in markdown and summary in markdown and f"{AGENT} is calling in a loop" in markdown
    html = download(page, "Download HTML")
    assert html.lstrip().lower().startswith("<!doctype html") and summary in html
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors(page) == []


def test_the_list_filters_by_status_in_the_url(ops, open_page):
    page = open_page(f"{ops.service.dashboard_url}/incidents?inc_status=closed", title="Incidents")
    expect(page.get_by_text("No incident matches these filters.")).to_be_visible()
    open_ = open_page(f"{ops.service.dashboard_url}/incidents?inc_status=triggered&inc_status=acknowledged",
                      title="Incidents")
    expect(open_.get_by_test_id("stDataFrame").first.locator('td[role="gridcell"]', has_text="INC-1")).to_be_attached()
    for shown in (page, open_):
        expect(shown.get_by_test_id("stException")).to_have_count(0)
        assert console_errors(shown) == []
