"""The post-mortem of an incident told on a real store (tests/helpers/incident_story.py), read section by section:
the impact's hand-computed numbers with their units, the detection times, the timeline, the pinned runbook's
recorded text byte for byte, the diagnostics; empty fields as prompts, written ones in their place; the same
incident giving the same bytes; the charts' numbers from the store."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from alerts.incidents.desk import ManualOpening
from alerts.incidents.model import ActionItem
from alerts.incidents.postmortem.parts import Table
from alerts.incidents.postmortem.record import gather
from alerts.incidents.postmortem.render import html, markdown
from alerts.incidents.postmortem.runbook import RunbookUsed
from alerts.incidents.postmortem.sections import PROMPTS
from store.queries import runbooks as stored_runbooks
from tests.helpers.incident_rows import H, T
from tests.helpers.incident_story import M, tell
from tests.helpers.markdown_text import lines, sections

SECTIONS = ["Summary", "Impact", "Detection", "Changes before the incident", "Timeline", "Runbook used", "Diagnostics",
            "Root cause", "Trigger", "Resolution", "Action items", "Lessons learned"]
LATER = T + 3 * H


@pytest.fixture
def story(store):
    return tell(store)


def written(story, now=LATER, charts=False):
    return gather(story.desk, story.number, now, charts)


def test_the_sections_come_in_order_under_a_header_of_facts(story):
    text = sections(markdown(written(story)))
    assert list(text) == ["", *SECTIONS]
    assert lines(text[""]) == ["# Post-mortem INC-1: chat burns its error budget", "- **Incident:** INC-1",
                               "- **Severity:** SEV2", "- **Status:** resolved", "- **Service:** chat",
                               "- **Commander:** bo", "- **Opened:** by spyglass (from an alert)",
                               "- **Scope:** service=chat"]


def test_the_impact_has_the_hand_computed_numbers_with_their_units(story):
    impact = lines(sections(markdown(written(story)))["Impact"])
    assert impact[0] == ("From 2026-11-20 12:00:00 to 2026-11-20 13:00:00 UTC (1 h), against the same window a week "
                         "earlier (2026-11-13 12:00:00 to 2026-11-13 13:00:00 UTC); calls of service=chat. Measured at "
                         "2026-11-20 13:00:00 UTC; measured again at close.")
    # tests/helpers/incident_rows.py: 20 calls (4 failed at 1 s, 16 at 100 ms), $0.30 and one unpriced call, 4/10
    # evaluations and 1/4 feedback positive; a week earlier 10 calls at 100 ms, $0.10, 9/10 and 2/2.
    assert impact[1:9] == [
        "| Measure | Incident window | A week earlier | Change |", "|---|---|---|---|",
        "| Requests | 20 requests | 10 requests | +10 requests |",
        "| Errors | 4 errors (20.0%) | 0 errors (0.0%) | +20.0 pp |",
        "| p95 latency | 1,000 ms | 100 ms | +900 ms |",
        "| Spend | $0.30 | $0.10 | +$0.20 |",
        "| Evaluation pass rate | 40.0% of 10 evaluations | 90.0% of 10 evaluations | -50.0 pp |",
        "| Positive feedback | 25.0% of 4 ratings | 100.0% of 2 ratings | -75.0 pp |"]
    # 4 errors against 1 % of the 30 calls of chat in the 30 days that end with the window.
    assert impact[9:] == [
        "- **Requests affected:** 20 requests, 4 errors (error rate 20.0%)",
        "- **Extra cost:** +$0.20 against a week earlier ($0.30 against $0.10); 1 call without a price, so the spend "
        "is a lower bound",
        "- **Error budget burned:** 1333.3% of the 30-day error budget (rule slo-burn, objective 99%, 30 requests in "
        "the period)",
        "- **Quality:** evaluation pass rate 40.0% (-50.0 pp), positive feedback 25.0% (-75.0 pp)"]


def test_detection_names_the_alert_and_times_each_step_of_the_response(story):
    assert lines(sections(markdown(written(story)))["Detection"]) == [
        "- **Detected by:** alert slo-burn (critical) fired at 2026-11-20 12:05:00 UTC; labels service=chat",
        "- **Time to detect:** 5 min (from the start to the opening)",
        "- **Time to acknowledge:** 5 min (from the opening)",
        "- **Time to mitigate:** 35 min (from the opening)",
        "- **Time to resolve:** 55 min (from the opening)",
        "| Alert | Severity | Labels | Fired (UTC) | Resolved (UTC) |", "|---|---|---|---|---|",
        "| slo-burn | critical | service=chat | 2026-11-20 12:05:00 | 2026-11-20 13:00:00 |",
        "| Milestone | At (UTC) |", "|---|---|",
        "| Started | 2026-11-20 12:00:00 |", "| Detected (opened) | 2026-11-20 12:05:00 |",
        "| Acknowledged | 2026-11-20 12:10:00 |", "| Mitigated | 2026-11-20 12:40:00 |",
        "| Resolved | 2026-11-20 13:00:00 |", "| Closed | - |"]


def test_the_timeline_is_every_event_in_order_with_who(story):
    rows = lines(sections(markdown(written(story)))["Timeline"])[2:]
    assert [row.split(" | ")[1] for row in rows] == ["spyglass"] * 7 + ["bo"] * 4 + ["spyglass", "ana"]
    assert rows[0] == "| 2026-11-20 12:05:00 | spyglass | opened (SEV2): chat burns its error budget |"
    assert rows[8] == "| 2026-11-20 12:10:00 | bo | provider answers 500 to a tenth of the calls |"
    assert rows[-1] == "| 2026-11-20 13:00:00 | ana | mitigated -> resolved |"


def test_the_runbook_used_is_the_pinned_version_with_its_recorded_text_byte_for_byte(story, store):
    recorded = stored_runbooks.read(store, "slo-burn", "1.0.0")
    assert recorded is not None
    section = sections(markdown(written(story)))["Runbook used"]
    assert lines(section)[:3] == [
        "- **Runbook:** slo-burn@1.0.0 (Error-rate SLO burn)",
        f"- **Content SHA-256:** `{recorded.content_sha256}` (the recorded text below has this hash)",
        f"- **Recorded:** 2026-11-20 12:05:00 UTC from `{recorded.path}`"]
    assert "| 1. Acknowledge. This is a page: one person owns it until handed over. | yes | bo | 2026-11-20 " \
           "12:10:00 |" in lines(section)
    fence = re.search(r"^(`{3,})markdown$", section, re.MULTILINE)
    assert fence is not None
    start = fence.end() + 1
    assert section[start:section.index(f"\n{fence.group(1)}\n", start) + 1] == recorded.body


def test_a_runbook_s_own_code_fences_cannot_close_the_one_around_it():
    used = RunbookUsed("r@1.0.0", "r", "0" * 64, True, "r.md", "", Table((), ()), "```sh\nrun ````x````\n```\n")
    assert used.fence == "`````"
    assert RunbookUsed("r@1.0.0", "r", "0" * 64, True, "r.md", "", Table((), ()), "plain `code`").fence == "```"


def test_the_diagnostics_are_the_runbook_s_in_its_order_as_they_answered_at_opening(story):
    section = sections(markdown(written(story)))["Diagnostics"]
    assert lines(section)[0] == ("The pinned runbook's diagnostics, as they answered when the incident opened "
                                 "(2026-11-20 12:05:00 UTC).")
    assert re.findall(r"^### .* \(`(\w+)`\)$", section, re.MULTILINE) == [
        "error_budget_by_service", "errors_by_type", "latency_by_provider_host", "calls_by_version"]
    # Run at opening (12:05) over the hour before: the three calls of chat from 12:00 to 12:04, none failed.
    assert "| p | chat | 3 | 0 | 0 | 0 | 0 |" in lines(section)
    assert "Ran with service=chat: no rows." in lines(section)
    versions = section.split("(`calls_by_version`)", 1)[1]
    assert "not available" not in versions and "| chat |" in versions, "calls carry versions (migration 22)"


def test_empty_fields_are_prompts_and_never_invented_text(story):
    text = sections(markdown(written(story)))
    for title, name in (("Summary", "summary"), ("Root cause", "root_cause"), ("Trigger", "trigger"),
                        ("Resolution", "resolution"), ("Action items", "action_items")):
        assert lines(text[title]) == [f"_{PROMPTS[name]}_"], title
    assert lines(text["Lessons learned"]) == [
        "### What went well", f"_{PROMPTS['went_well']}_", "### What went badly", f"_{PROMPTS['went_badly']}_",
        "### Where we got lucky", f"_{PROMPTS['got_lucky']}_"]


def test_written_fields_take_the_prompts_places(story):
    story.desk.edit_postmortem(story.number, "ana", {
        "summary": "A fifth of chat's answers failed for an hour.", "root_cause": "Retries were off.",
        "action_items": (ActionItem("Turn retries on", "bo", date(2026, 12, 1)), ActionItem("Canary", "", None, True)),
        "got_lucky": "It was a quiet Friday."})
    text = sections(markdown(written(story)))
    assert lines(text["Summary"]) == ["A fifth of chat's answers failed for an hour."]
    assert lines(text["Root cause"]) == ["Retries were off."]
    assert lines(text["Trigger"]) == [f"_{PROMPTS['trigger']}_"]
    assert lines(text["Action items"]) == ["| Action | Owner | Due | Done |", "|---|---|---|---|",
                                           "| Turn retries on | bo | 2026-12-01 | no |",
                                           "| Canary | to be named | to be set | yes |"]
    assert lines(text["Lessons learned"])[-2:] == ["### Where we got lucky", "It was a quiet Friday."]


def test_the_same_incident_gives_the_same_bytes_whenever_it_is_written(story):
    first, again = written(story, LATER, charts=True), written(story, LATER + 24 * H, charts=True)
    assert markdown(first) == markdown(again)
    page = html(first, LATER)
    assert page == html(again, LATER + 24 * H)
    assert re.findall(r'<div id="([\w-]+)" class="plotly-graph-div"', page) == [
        "postmortem-chart-requests", "postmortem-chart-errors", "postmortem-chart-latency", "postmortem-chart-cost"]
    assert page.count("* plotly.js v") == 1  # Plotly's JavaScript, inlined once


def test_the_charts_count_what_the_store_holds_around_the_window(story):
    numbers = written(story, charts=True).series
    assert numbers is not None and (numbers.window.since, numbers.window.until) == (T - 30 * M, T + H + 30 * M)
    assert sum(b.requests for b in numbers.buckets) == 20 and sum(b.errors for b in numbers.buckets) == 4
    assert sum((b.cost_usd for b in numbers.buckets), Decimal(0)) == Decimal("0.3")
    assert {b.p95_ms for b in numbers.buckets if b.errors} == {1000.0}


def test_an_open_incident_opened_by_hand_without_a_runbook_says_what_is_missing(store):
    story = tell(store, resolve=False)
    story.at(T + H)
    opened = story.desk.open_by_hand(ManualOpening("search is slow", "SEV3", "ana", service="search",
                                                   started_at=T + 20 * M))
    text = sections(markdown(gather(story.desk, opened.number, T + H)))
    assert lines(text["Detection"])[:5] == [
        "- **Detected by:** no alert: opened by hand by ana", "- **Time to detect:** 40 min (from the start to the "
        "opening)", "- **Time to acknowledge:** not reached yet", "- **Time to mitigate:** not reached yet",
        "- **Time to resolve:** not reached yet"]
    assert lines(text["Runbook used"]) == ["No runbook was pinned to this incident."]
    assert lines(text["Diagnostics"]) == ["No diagnostics ran: the incident follows no runbook, or its runbook names "
                                          "none."]
    assert "| Requests | 1 request | 0 requests | +1 request |" in lines(text["Impact"])  # search's call at 12:20
    mitigated = sections(markdown(gather(story.desk, story.number, T + H)))
    assert lines(mitigated["Detection"])[4] == "- **Time to resolve:** not reached yet"
    story.at(T + 2 * H)
    story.desk.transition(story.number, "resolve", "ana")
    skipped = story.desk.open_by_hand(ManualOpening("x", "SEV4", "ana", started_at=T + H))
    story.desk.transition(skipped.number, "resolve", "ana")
    assert lines(sections(markdown(gather(story.desk, skipped.number, T + 2 * H)))["Detection"])[2:4] == [
        "- **Time to acknowledge:** skipped", "- **Time to mitigate:** skipped"]
