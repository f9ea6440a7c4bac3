"""The HTML post-mortem in a real headless Chromium, with the network off: it asks for nothing but its own file,
logs no error, draws all four charts with the incident's phases shaded, and prints."""

from __future__ import annotations

from alerts.incidents.postmortem.record import gather
from alerts.incidents.postmortem.render import html
from tests.helpers.incident_rows import H, T
from tests.helpers.incident_story import tell

CHARTS = ("postmortem-chart-requests", "postmortem-chart-errors", "postmortem-chart-latency", "postmortem-chart-cost")


def test_the_page_opens_offline_draws_its_charts_without_an_error_and_prints(store, browser, tmp_path):
    story = tell(store)
    path = tmp_path / "INC-1.html"
    path.write_text(html(gather(story.desk, story.number, T + 3 * H, charts=True), T + 3 * H), encoding="utf-8")
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 1600})
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=30_000)
        for chart in CHARTS:
            page.locator(f"#{chart} .main-svg").first.wait_for(timeout=15_000)
        drawn = {chart: page.locator(f"#{chart} .main-svg").count() for chart in CHARTS}
        # Three phases shaded (triggered, acknowledged, mitigated) and two lines (detected, resolved) per chart.
        shapes = {chart: page.locator(f"#{chart} .shapelayer path").count() for chart in CHARTS}
        bars = page.locator("#postmortem-chart-requests .bars .point").count()
        assert page.locator("h2").all_inner_texts() == [
            "Summary", "Impact", "Detection", "Changes before the incident", "Timeline", "Runbook used", "Diagnostics",
            "Root cause", "Trigger", "Resolution", "Action items", "Lessons learned"]
        prompts = page.locator(".prompt").count()
        page.emulate_media(media="print")
        toolbar_hidden = page.locator("#postmortem-chart-cost .modebar-container").evaluate(
            "element => getComputedStyle(element).display") == "none"
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    assert problems == []
    assert requests == [path.as_uri()]  # no script, style, font or image from anywhere else
    assert all(count >= 1 for count in drawn.values()), drawn
    assert set(shapes.values()) == {5}, shapes
    assert bars == 120  # one per minute from 11:30 to 13:30
    assert prompts == 8  # every field is still to be written
    assert toolbar_hidden and pdf.startswith(b"%PDF-")
