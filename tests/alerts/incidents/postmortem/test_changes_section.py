"""The post-mortem's "Changes before the incident" in Markdown and HTML (from a record made by hand, no store): each
change with its time, kind, scope, from -> to, source, author and verdict, the suspect first and named; a clear
sentence when there were none; and the changes on the report's timeline too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alerts.incidents.lifecycle import Milestones
from alerts.incidents.model import Incident
from alerts.incidents.postmortem.changes import NONE_RECORDED
from alerts.incidents.postmortem.record import IncidentRecord
from alerts.incidents.postmortem.render import html, markdown
from alerts.incidents.timeline import change_events, in_order
from store.queries.change_verdicts import Verdict, VerdictedChange, suspect_first
from tests.helpers.markdown_text import lines, sections

T = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
H = timedelta(hours=1)
INCIDENT = Incident(3, "chat is slow", "SEV2", "triggered", "manual", Milestones(T, T + H / 4), T, opened_by="ana",
                    service="chat", labels={"model": "gpt-4o"})
DEPLOY = VerdictedChange("d1", T - 2 * H, "deploy", "p", "chat", "", "service_version", "", "1.4.0", "1.5.0",
                         "reported", "ci-bot", "", "https://ci.example/42", T,
                         Verdict("d1", T - H, "canary", T - 2 * H, T - H, "fail", 12.5,
                                 ("latency_p95", "cost_per_request")))
SNAPSHOT = VerdictedChange("m1", T - H / 2, "model", "p", "chat", "gpt-4o", "response_model", "gpt-4o",
                           "gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "detected", "", "", "", T, None)
PRICE = VerdictedChange("c1", T - 20 * H, "price", "", "", "gpt-4o", "", "", "v7", "v8", "detected", "", "", "",
                        T, Verdict("c1", T - 19 * H, "before_after", T - 20 * H, T - 19 * H, "pass", 96.0, ()))


def record(*found: VerdictedChange) -> IncidentRecord:
    return IncidentRecord(INCIDENT, in_order(change_events("INC-3", suspect_first(found))), None)


def test_the_changes_come_suspect_first_with_their_verdicts():
    section = lines(sections(markdown(record(SNAPSHOT, PRICE, DEPLOY)))["Changes before the incident"])
    assert section == [
        "Changes of service chat and model gpt-4o from 2026-11-19 12:00:00 to 2026-11-20 12:15:00 UTC (the 24 hours "
        "before the incident started, to its opening), the suspect first: failed verdicts, then marginal ones, then "
        "the rest newest first.",
        "**Suspect: the deploy change of service=chat at 2026-11-20 10:00:00 UTC (1.4.0 -> 1.5.0): its latest "
        "analysis says fail, score 12.5; worse: latency_p95, cost_per_request.**",
        "| Suspect | At (UTC) | Kind | Scope | From -> to | Source | Author | Verdict | Worse |",
        "|---|---|---|---|---|---|---|---|---|",
        "| suspect | 2026-11-20 10:00:00 | deploy | service=chat | 1.4.0 -> 1.5.0 | reported | ci-bot | fail, score "
        "12.5 | latency_p95, cost_per_request |",
        "|  | 2026-11-20 11:30:00 | model | service=chat, model=gpt-4o, subject=gpt-4o | gpt-4o-2024-08-06 -> "
        "gpt-4o-2024-11-20 | detected | - | not analysed | none |",
        "|  | 2026-11-19 16:00:00 | price | model=gpt-4o | v7 -> v8 | detected | - | pass, score 96.0 | none |"]


def test_the_section_sits_after_detection_and_the_changes_are_on_the_timeline_in_time_order():
    text = sections(markdown(record(SNAPSHOT, PRICE, DEPLOY)))
    assert list(text)[3:6] == ["Detection", "Changes before the incident", "Timeline"]
    assert [line.split(" | ")[2].split(" (")[0] for line in lines(text["Timeline"])[2:]] == [
        "price change", "suspect deploy change", "model change"]


def test_without_a_failing_or_marginal_verdict_no_change_is_named_suspect():
    section = sections(markdown(record(SNAPSHOT, PRICE)))["Changes before the incident"]
    assert "Suspect" not in section.replace("| Suspect |", "") and "| suspect |" not in section
    assert [line.split(" | ")[2] for line in lines(section)[3:]] == ["model", "price"]  # newest first


def test_no_changes_say_so_in_both_formats():
    assert lines(sections(markdown(record()))["Changes before the incident"]) == [NONE_RECORDED]
    page = html(record(), T)
    assert f'<section id="changes">\n<h2>Changes before the incident</h2>\n<p>{NONE_RECORDED}</p>\n</section>' in page


def test_the_html_names_the_suspect_and_lays_out_the_same_table():
    page = html(record(SNAPSHOT, DEPLOY), T)
    section = page[page.index('<section id="changes">'):page.index('<section id="timeline">')]
    assert ('<p class="suspect"><strong>Suspect: the deploy change of service=chat at 2026-11-20 10:00:00 UTC '
            '(1.4.0 -&gt; 1.5.0): its latest analysis says fail, score 12.5; worse: latency_p95, '
            'cost_per_request.</strong></p>') in section
    assert ("<tr><td>suspect</td><td>2026-11-20 10:00:00</td><td>deploy</td><td>service=chat</td><td>1.4.0 -&gt; "
            "1.5.0</td><td>reported</td><td>ci-bot</td><td>fail, score 12.5</td><td>latency_p95, cost_per_request"
            "</td></tr>") in section
    assert section.count("<tr><td>") == 2
