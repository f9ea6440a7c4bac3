"""The Alerts page in a real headless Chromium against the `ops` service (tests/helpers/ops_fleet.py): what fires,
with links to the traces its evidence names, the history and the deliveries; a dead letter replayed from the page
reaches the receiver again; an alert silenced from the page is silenced in the API, and the silence expired from
the page is expired there; a write the API refuses (no admin key) says so on the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.helpers.browser import console_errors
from tests.helpers.fleet import SHARED_SERVICES
from tests.helpers.ops_fleet import AGENT
from tests.helpers.wait import eventually

pytestmark = SHARED_SERVICES
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def assert_clean(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert console_errors(page) == []


def expander(page: Page, text: str):
    found = page.get_by_test_id("stExpander").filter(has_text=text).first
    found.locator("summary").click()
    return found


def test_the_page_shows_what_fires_with_its_traces_history_and_deliveries_and_replays_a_dead_letter(ops, open_page):
    with ops.client() as api:
        [agent] = [a for a in api.alerts().alerts if a.rule == "agent-spend"]
        [dead] = [n for n in api.notifications(state="dead").notifications if n.receiver == "pager"]
    traces = agent.evidence["traces"]
    page = open_page(f"{ops.service.dashboard_url}/alerts?range=1h", title="Alerts")
    table = page.get_by_test_id("stDataFrame").first
    for text in ("agent-spend", "chat-volume", f"project=default, service={AGENT}, severity=critical"):
        expect(table.locator('td[role="gridcell"]', has_text=text).first).to_be_attached()
    opened = expander(page, "agent-spend")
    for trace_id in traces:
        expect(opened.locator(f'a[href$="requests?trace={trace_id}"]')).to_be_visible()
    expect(page.locator(CHART).first).to_be_visible()  # the history
    expect(page.get_by_text("alertname=agent-spend · last tried").filter(has_text="HTTP 500: pager is down")
           ).to_be_visible()  # the dead letter

    sent = len([r for r in ops.receiver.requests if r.headers.get("webhook-id") == dead.id])
    page.get_by_role("button", name="Replay").first.click()
    expect(page.get_by_text(f"Replaying notification {dead.id} to pager.")).to_be_visible()
    eventually(lambda: len([r for r in ops.receiver.requests if r.headers.get("webhook-id") == dead.id]) > sent,
               timeout=30, what="the replayed notification at the receiver")
    assert_clean(page)


def test_an_alert_silenced_from_the_page_is_silenced_and_the_silence_expires_from_the_page(ops, open_page):
    page = open_page(f"{ops.service.dashboard_url}/alerts", title="Alerts")
    actor = page.get_by_role("textbox", name="Acting as")
    actor.fill("ana")
    actor.press("Enter")
    silence_button = page.get_by_role("button", name="Silence chat-volume")
    expect(page.get_by_test_id("stExpander").filter(has_text="chat-volume")).to_have_count(1)
    expect(silence_button).to_have_count(0)  # a closed alert's details are not drawn (dashboard/expanders.py)
    form = expander(page, "chat-volume")
    expect(silence_button).to_be_visible()
    form.get_by_label("Comment").fill("known load test")
    form.get_by_role("button", name="Silence chat-volume").click()
    expect(page.get_by_text("Silenced alertname=\"chat-volume\"")).to_be_visible()
    with ops.client() as api:
        [silence] = [s for s in api.silences(state="active").silences if s.comment == "known load test"]
        assert (silence.created_by, silence.matchers) == (
            "ana", ['alertname="chat-volume"', 'service="chat-api"', 'severity="warning"'])
        eventually(lambda: [a for a in api.alerts().alerts if a.rule == "chat-volume" and silence.id in a.silenced_by],
                   timeout=30, what="the alert silenced by the engine")

        page.get_by_role("button", name="Expire").click()
        expect(page.get_by_text(f"Expired silence {silence.id}.")).to_be_visible()
        assert api.silence(silence.id).state == "expired"
    expect(page.get_by_text("No active or pending silence.")).to_be_visible()
    assert_clean(page)


def test_a_write_refused_for_want_of_an_admin_key_says_so(keyed, open_page):
    page = open_page(f"{keyed.dashboard_url}/alerts", title="Alerts")
    form = expander(page, "New silence from matchers")
    form.get_by_role("textbox", name="Matchers").fill('alertname="nothing"')
    form.get_by_label("Comment").fill("try")
    form.get_by_role("button", name="Create silence").click()
    expect(page.get_by_text("The Spyglass API refused this change (403): it needs an admin key.")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
