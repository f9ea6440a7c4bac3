"""The Incidents page's pure shapes: the moves the lifecycle allows in order, the impact against a week earlier,
the pinned runbook laid out around its steps exactly as the loader numbers them, and post-mortem edits that carry
only what changed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from client.models.incidents import ActionItem, Impact, IncidentSummary, Postmortem, TimelineEntry
from dashboard.figures.incidents import (
    BASELINE,
    CURRENT,
    action_item_rows,
    action_items,
    actions,
    impact_figure,
    impact_tiles,
    incident_rows,
    postmortem_patch,
    requests_link,
    runbook_body,
    runbook_parts,
    step_label,
    timeline_traces,
)
from runbooks.document import parse
from runbooks.library import SHIPPED_DIR
from tests.helpers.wire import make

T = "2026-11-20T10:00:00Z"


def test_buttons_follow_the_lifecycle_order_of_the_allowed_moves():
    assert [a for a, _, _ in actions(["resolve", "ack", "mitigate"])] == ["ack", "mitigate", "resolve"]
    assert [label for _, label, _ in actions(["reopen"])] == ["Reopen"]
    assert actions([]) == []


def test_incident_rows_read_money_and_pins():
    incident = make(IncidentSummary, id="INC-3", severity="SEV1", status="triggered", source="alert", started_at=T,
                    detected_at=T, updated_at=T, extra_cost_usd="12.5",
                    runbook={"id": "cost-spike", "version": "1.0.0", "content_sha256": "x"})
    [row] = incident_rows([incident])
    assert (row["id"], row["extra cost"], row["runbook"], row["acknowledged (UTC)"]) == (
        "INC-3", "$12.50", "cost-spike@1.0.0", "–")


def _impact(**numbers) -> Impact:
    now = {"requests": 120, "errors": 12, "error_rate": 0.1, "p95_latency_ms": 1500.0, "cost_usd": "30.25"}
    then = {"requests": 100, "errors": 2, "error_rate": 0.02, "p95_latency_ms": 900.0, "cost_usd": "10"}
    return make(Impact, since=T, until=T, baseline_since=T, baseline_until=T, computed_at=T, current=now,
                baseline=then, extra_cost_usd="20.25", **numbers)


def test_impact_tiles_show_the_change_against_a_week_earlier():
    tiles = impact_tiles(_impact())
    assert tiles["Requests"] == ("120", "+20")
    assert tiles["Error rate"] == ("10.0%", "+8.0 pp")
    assert tiles["p95 latency"] == ("1.5 s", "+600 ms")
    assert tiles["Cost"] == ("$30.25", "+$20.25") and tiles["Extra cost"] == ("$20.25", None)
    assert tiles["Pass rate"] == ("–", None) and "Error budget burned" not in tiles
    burned = impact_tiles(_impact(error_budget={"rule": "slo", "objective": 0.99, "period_days": 30,
                                                "period_requests": 1000, "burned": 0.4}))
    assert burned["Error budget burned"] == ("40.0%", None)


def test_the_impact_chart_has_one_panel_per_number_with_exact_labels():
    fig = impact_figure(_impact())
    assert [t.text for t in fig.data] == [("100", "120"), ("2.0%", "10.0%"), ("900 ms", "1.5 s"), ("$10.00", "$30.25")]
    assert all(tuple(t.marker.color) == (BASELINE, CURRENT) for t in fig.data)
    assert fig.data[3].y == (10.0, 30.25)


@pytest.mark.parametrize("path", sorted(SHIPPED_DIR.glob("*.md")), ids=lambda p: p.stem)
def test_every_shipped_runbook_is_laid_out_around_the_steps_the_loader_numbers(path):
    text = path.read_text()
    steps = parse(text, str(path)).steps
    body = runbook_body(text)
    parts = runbook_parts(body)
    assert [p for p in parts if isinstance(p, int)] == [s.number for s in steps]
    shown = "\n".join(p for p in parts if isinstance(p, str))
    assert "- [ ]" not in _outside_fences(shown)  # every checklist item became a step
    assert not body.startswith("---") and "\n# " not in f"\n{body}"


def _outside_fences(text: str) -> str:
    return "".join(chunk for i, chunk in enumerate(text.split("```")) if i % 2 == 0)


def test_steps_continue_on_indented_lines_and_examples_in_fences_are_not_steps():
    body = ("# Title\nIntro.\n- [ ] First step\n  wrapped on.\n- [x] Second\n  ```\n  code\n  ```\nAfter.\n"
            "```\n- [ ] an example\n```\n- [ ] Third")
    assert runbook_parts(body) == ["# Title\nIntro.", 1, 2, "After.\n```\n- [ ] an example\n```", 3]
    assert runbook_body("---\nid: x\n---\n# Title\n```\n# comment\n```") == "### Title\n```\n# comment\n```"


def test_a_step_reads_as_one_label_unless_it_holds_code_or_a_list():
    assert step_label("Open the Costs page\nfor the service.") == ("Open the Costs page for the service.", "")
    assert step_label("Run this:\n```\nspyglass x\n```") == ("Run this:", "```\nspyglass x\n```")


def test_a_postmortem_edit_carries_only_what_changed():
    stored = make(Postmortem, summary="old", root_cause="loop",
                  action_items=[{"title": "cap retries", "owner": "bo", "due": "2026-12-01"}])
    same = action_items(action_item_rows(stored.action_items))
    assert same == list(stored.action_items)
    assert postmortem_patch("ana", stored, {"summary": "old", "root_cause": "loop"}, same) is None
    rows = [*action_item_rows(stored.action_items), {"title": "alert on fan-out", "owner": " ana ",
                                                     "due": datetime(2026, 12, 5, 0, 0), "done": None},
            {"title": " ", "owner": "x"}]
    patch = postmortem_patch("ana", stored, {"summary": "new", "root_cause": "loop"}, action_items(rows))
    assert patch is not None
    assert patch.model_dump(exclude_none=True) == {"by": "ana", "summary": "new", "action_items": [
        {"title": "cap retries", "owner": "bo", "due": date(2026, 12, 1), "done": False},
        {"title": "alert on fan-out", "owner": "ana", "due": date(2026, 12, 5), "done": False}]}
    assert ActionItem(title="x", owner="") in action_items([{"title": "x"}])


def test_timeline_traces_and_the_requests_link():
    trace = "f" * 32
    timeline = [make(TimelineEntry, at=T, kind="diagnostic", data={"rows": [], "trace_ids": [trace]}),
                make(TimelineEntry, at=T, kind="note", data={"trace_id": trace})]
    assert timeline_traces(timeline) == [trace]
    now = datetime(2026, 11, 20, 12)
    presets = ("15m", "1h", "6h", "24h", "7d")
    assert requests_link("chat", datetime(2026, 11, 20, 10), now, presets) == "requests?range=6h&service=chat&sort=cost"
    assert requests_link("", datetime(2026, 10, 1), now, presets) == "requests?range=7d&sort=cost"
