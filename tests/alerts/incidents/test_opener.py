"""Incidents opened by the alert engine on a real store: one per alert group across cycles and across a restart,
later alerts of the group attached, the rule's runbook version pinned (and kept when the file is edited), its
diagnostics on the timeline, resolutions recorded once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from alerts.engine import Engine
from alerts.incidents.desk import IncidentDesk
from alerts.incidents.opener import IncidentOpener
from alerts.persistence import AlertStore
from alerts.routing import RouteConfig, compile_route
from alerts.rule_source import RuleSource
from alerts.silences import new_silence
from alerts.state import AlertState
from runbooks.source import RunbookSource
from store.base import query_rows
from tests.helpers.alerting import LevelDetector, RecordingOutbox
from tests.helpers.detector_rows import insert_costs
from tests.helpers.runbook_files import write_runbook

pytestmark = pytest.mark.xdist_group("alert-engine")

T0 = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
S = timedelta(seconds=1)
ROUTE = compile_route(RouteConfig(group_wait=30 * S))  # no receiver: incidents open all the same

RULES = """\
rules:
  - name: chat-cost
    detector: level
    params: {above: 10}
    severity: critical
    annotations:
      summary: "{{ $labels.service }} spends {{ $value }}"
    runbook: our-spend
  - name: chat-cost-warning
    detector: level
    params: {above: 5}
    severity: warning
"""


@pytest.fixture
def world(store, tmp_path):
    rules_path, runbook_dir = tmp_path / "rules.yaml", tmp_path / "runbooks"
    rules_path.write_text(RULES)
    write_runbook(runbook_dir, "our-spend", "1.0.0", "Find the model that spends.")
    detector, outbox = LevelDetector(), RecordingOutbox()
    clock = {"now": T0}

    def engine(min_severity: str = "critical") -> tuple[Engine, IncidentDesk]:
        """A fresh engine, runbook library and incident desk over the store: what a (re)started service builds."""
        rules = RuleSource([rules_path], {"level": detector}, store, include_shipped=False)
        runbooks = RunbookSource(store, [runbook_dir], clock=lambda: clock["now"])
        desk = IncidentDesk(store, runbooks, rules=lambda: rules.current().rules, clock=lambda: clock["now"])
        opener = IncidentOpener(desk, ROUTE, min_severity)
        return Engine(store, rules, {"level": detector}, outbox, ROUTE, interval_seconds=30, incidents=opener), desk

    return engine, detector, clock, runbook_dir


def run(engine, detector, clock, start, steps, **levels):
    for k in range(steps):
        now = start + k * 30 * S
        clock["now"] = now
        if levels:
            detector.at(now, **levels)
        engine.evaluate(now)


def incidents(store) -> list[dict]:
    return query_rows(store, "SELECT id, status, severity, group_key, service, runbook_id, runbook_version, "
                             "runbook_sha256 FROM incidents FINAL ORDER BY number")


def kinds(store, incident: str) -> list[str]:
    rows = query_rows(store, "SELECT kind FROM incident_events WHERE incident = {i:String} ORDER BY at, kind "
                             "LIMIT 1 BY id", {"i": incident})
    return [r["kind"] for r in rows]


def test_one_incident_per_group_over_many_cycles_and_later_alerts_attach(world, store):
    make, detector, clock, _ = world
    engine, desk = make()
    run(engine, detector, clock, T0, 4, chat=12.0)
    run(engine, detector, clock, T0 + 2 * 60 * S, 4, chat=12.0, search=20.0)  # a second service, same group
    [incident] = incidents(store)
    assert incident["id"] == "INC-1" and incident["severity"] == "SEV2" and incident["status"] == "triggered"
    assert incident["group_key"] == '{}:{alertname="chat-cost"}' and incident["service"] == "chat"
    fired = [e for e in desk.book.events(1) if e.kind == "alert_fired"]
    assert [(e.payload["labels"]["service"], e.at) for e in fired] == [("chat", T0), ("search", T0 + 2 * 60 * S)]
    opened = desk.get(1)
    assert opened.title == "chat spends 12" and opened.milestones.detected_at == T0
    assert opened.labels == {"service": "chat", "alertname": "chat-cost", "severity": "critical"}


def test_a_warning_opens_no_incident_unless_the_minimum_says_so(world, store):
    make, detector, clock, _ = world
    engine, _ = make()
    run(engine, detector, clock, T0, 3, chat=7.0)  # only the warning rule fires
    assert incidents(store) == []
    engine, _ = make(min_severity="warning")
    run(engine, detector, clock, T0 + 90 * S, 2, chat=7.0)
    assert [(i["id"], i["severity"], i["group_key"]) for i in incidents(store)] == [
        ("INC-1", "SEV3", '{}:{alertname="chat-cost-warning"}')]


def test_a_silenced_alert_opens_no_incident_until_its_silence_ends_while_it_still_fires(world, store):
    """A silence is a maintenance window: it pages nobody and opens nothing; the episode is linked when it ends."""
    make, detector, clock, _ = world
    engine, desk = make()
    ends = T0 + 3 * 60 * S
    AlertStore(store).save_silence(new_silence(['alertname="chat-cost"'], T0, ends, "ana", "migration", T0))
    run(engine, detector, clock, T0, 4, chat=12.0)  # fires for 90 s, silenced
    assert incidents(store) == []
    run(engine, detector, clock, ends, 2, chat=12.0)  # the silence is over, the alert still fires
    [incident] = incidents(store)
    assert incident["group_key"] == '{}:{alertname="chat-cost"}'
    assert [e.at for e in desk.book.events(1) if e.kind == "alert_fired"] == [T0]  # the episode began at T0


def test_a_restart_opens_no_second_incident_and_records_the_resolution_once(world, store):
    make, detector, clock, _ = world
    engine, _ = make()
    run(engine, detector, clock, T0, 3, chat=12.0)
    restarted, desk = make()  # a new process: everything it knows comes from the store
    run(restarted, detector, clock, T0 + 90 * S, 4, chat=12.0)
    assert [i["id"] for i in incidents(store)] == ["INC-1"]
    run(restarted, detector, clock, T0 + 10 * 60 * S, 2)  # the last point is out of the window: resolved
    again, desk = make()
    run(again, detector, clock, T0 + 11 * 60 * S, 2)
    assert kinds(store, "INC-1").count("alert_resolved") == 1
    assert kinds(store, "INC-1").count("alert_fired") == 1


def test_an_incident_resolved_by_hand_while_its_alert_fires_is_not_reopened_but_a_new_episode_opens_another(
        world, store):
    make, detector, clock, _ = world
    engine, desk = make()
    run(engine, detector, clock, T0, 2, chat=12.0)
    desk.transition(1, "resolve", "ana")
    run(engine, detector, clock, T0 + 60 * S, 4, chat=12.0)  # still firing: the same episode
    assert [(i["id"], i["status"]) for i in incidents(store)] == [("INC-1", "resolved")]
    run(engine, detector, clock, T0 + 10 * 60 * S, 1)  # resolves
    run(engine, detector, clock, T0 + 11 * 60 * S, 2, chat=15.0)  # fires again: a new episode
    assert [(i["id"], i["status"]) for i in incidents(store)] == [("INC-1", "resolved"), ("INC-2", "triggered")]


def test_the_runbook_version_pinned_at_open_stays_after_the_runbook_is_edited(world, store):
    make, detector, clock, runbook_dir = world
    engine, desk = make()
    original = (runbook_dir / "our-spend.md").read_bytes()
    run(engine, detector, clock, T0, 2, chat=12.0)
    write_runbook(runbook_dir, "our-spend", "1.1.0", "Page the FinOps team first.")  # a new version
    engine, desk = make()
    run(engine, detector, clock, T0 + 60 * S, 2, chat=12.0)
    run(engine, detector, clock, T0 + 10 * 60 * S, 1)
    desk.transition(1, "resolve", "ana")
    run(engine, detector, clock, T0 + 11 * 60 * S, 2, chat=15.0)  # a new episode after the edit: INC-2
    first, second = incidents(store)
    assert (first["runbook_id"], first["runbook_version"]) == ("our-spend", "1.0.0")
    assert (second["runbook_id"], second["runbook_version"]) == ("our-spend", "1.1.0")
    assert first["runbook_sha256"] != second["runbook_sha256"]
    pinned = desk.runbook(desk.get(1))
    assert pinned is not None and pinned.stored.body.encode() == original and not pinned.in_force
    assert [s.text for s in pinned.runbook.steps] == ["Find the model that spends.", "Roll back the last change."]


def test_the_runbooks_diagnostics_are_on_the_timeline_as_small_tables(world, store):
    make, detector, clock, _ = world
    engine, desk = make()
    run(engine, detector, clock, T0, 1, chat=12.0)
    events = desk.timeline(desk.get(1))
    assert [e.kind for e in events] == ["opened", "alert_fired", "runbook_pinned", "diagnostic"]
    [diagnostic] = [e.payload for e in events if e.kind == "diagnostic"]
    assert (diagnostic["query"], diagnostic["status"], diagnostic["params"]) == ("spend_by_model", "ok",
                                                                                  {"service": "chat"})
    assert diagnostic["columns"][:3] == ["provider", "model", "cost_usd"] and diagnostic["rows"] == []


def test_a_rule_naming_an_unknown_runbook_still_opens_the_incident_and_says_why(world, store, tmp_path):
    make, detector, clock, _ = world
    (tmp_path / "rules.yaml").write_text(RULES.replace("runbook: our-spend", "runbook: our-spend@9.9.9"))
    engine, desk = make()
    run(engine, detector, clock, T0, 1, chat=12.0)
    [incident] = incidents(store)
    assert incident["runbook_id"] == ""
    [why] = [e.payload for e in desk.book.events(1) if e.kind == "runbook_unresolved"]
    assert why == {"reference": "our-spend@9.9.9", "error": "runbook our-spend has no recorded version 9.9.9"}


def test_an_incident_starts_where_the_window_its_alert_judged_starts(world, store):
    """A cost spike is judged when its hour is complete, after it happened: the incident's window (its impact,
    its time to detect) starts with the judged hour, not when the alert became active."""
    make, _, clock, _ = world
    _, desk = make()
    hour = T0 - timedelta(hours=1)
    insert_costs(store, [{"timestamp": hour + timedelta(minutes=m), "span_id": f"s{m}", "service_name": "chat",
                          "cost_total": "3.25"} for m in (5, 40)], T0)
    active = T0 + 20 * 60 * S
    clock["now"] = active + 30 * S

    def alert(service: str, evidence: dict) -> AlertState:
        return AlertState("chat-cost", service, {"alertname": "chat-cost", "service": service,
                                                  "severity": "critical"}, "firing", active, active + 30 * S,
                          evidence=evidence)

    judged = alert("chat", {"window": {"start": "2026-03-01T11:00:00Z", "end": "2026-03-01T12:00:00Z"}})
    opened = desk.open_for_alert(judged, None, "chat", clock["now"])
    assert (opened.milestones.started_at, opened.milestones.detected_at) == (hour, clock["now"])
    assert opened.impact is not None and opened.impact.current.cost_usd == Decimal("6.5")
    for evidence in ({}, {"window": "1h"}, {"window": {"start": "an hour ago"}}, {"window": {"start": None}}):
        plain = desk.open_for_alert(alert("search", evidence), None, "search", clock["now"])
        assert plain.milestones.started_at == active, evidence
