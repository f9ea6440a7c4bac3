"""An incident's changes on a real store: its timeline and its post-mortem show the changes of its service and models
from a day before it started to its opening, with their current verdicts, including a change reported and a
verdict reached after it opened; changes of other services, and after the opening, stay out."""

from __future__ import annotations

from datetime import timedelta

from alerts.incidents.desk import IncidentDesk, ManualOpening
from alerts.incidents.postmortem.record import gather
from alerts.incidents.postmortem.render import markdown
from tests.helpers.change_rows import insert_change, insert_verdict
from tests.helpers.incident_rows import H, T
from tests.helpers.markdown_text import lines, sections


def test_the_timeline_and_the_post_mortem_show_the_changes_read_when_they_are_shown(store):
    clock = {"now": T}
    desk = IncidentDesk(store, clock=lambda: clock["now"])
    insert_change(store, "deploy", T - 2 * H, service="chat", from_value="1.4.0", to_value="1.5.0")
    insert_change(store, "snapshot", T - 30 * H, kind="model", service="chat", model="gpt-4o")  # a day too early
    insert_change(store, "search-deploy", T - H, service="search")
    opened = desk.open_by_hand(ManualOpening("chat is slow", "SEV2", "ana", service="chat",
                                             labels={"model": "gpt-4o"}, started_at=T - H / 2))
    insert_change(store, "after", T + H, service="chat")
    assert [(e.kind, e.payload["id"]) for e in desk.timeline(opened) if e.kind == "change"] == [("change", "deploy")]

    # Reported late by CI, and the deploy's canary analysis lands after the opening: both show.
    clock["now"] = T + 2 * H
    insert_change(store, "prompt", T - 40 * timedelta(minutes=1), kind="prompt", service="chat", source="reported",
                  author="ci-bot", from_value="summarise@3", to_value="summarise@4", recorded_at=T + 2 * H)
    insert_verdict(store, "deploy", T + H, "fail", 8.0, ("latency_p95",))
    timeline = desk.timeline(desk.get(opened.number))
    assert [(e.actor, e.payload["id"], e.payload["suspect"]) for e in timeline if e.kind == "change"] == [
        ("spyglass", "deploy", True), ("ci-bot", "prompt", False)]
    assert timeline[0].kind == "change"  # before the opening

    section = lines(sections(markdown(gather(desk, opened.number, clock["now"])))["Changes before the incident"])
    assert [row.split(" | ")[:3] for row in section[4:]] == [["| suspect", "2026-11-20 10:00:00", "deploy"],
                                                             ["| ", "2026-11-20 11:20:00", "prompt"]]
    assert section[1].startswith("**Suspect: the deploy change of service=chat at 2026-11-20 10:00:00 UTC")
