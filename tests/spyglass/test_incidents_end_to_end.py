"""End to end: a cost spike sent as real OpenTelemetry SDK spans through OTLP fires a critical rule whose runbook
lives in a user runbook directory; exactly one incident opens, pinned to the runbook version in force (id, version,
content hash) with the runbook's diagnostics on its timeline. A second service of the same alert group spikes
later and its alert joins that incident. The runbook is then edited to a new version, which the service takes
while it runs: the incident stays on the old one, whose text reads back byte for byte. Finally the service is
stopped and started on the same store with both alerts still firing: still exactly one incident.

The engine judges complete hours on a clock of the test's (tests/helpers/cost_spike.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from client.api import ApiClient
from tests.helpers.cost_spike import (
    HOUR,
    SPIKE,
    ShiftedClock,
    alert_runs,
    judged_hour,
    ordinary_usd,
    seed_history,
    send_calls,
)
from tests.helpers.runbook_files import write_runbook
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

INTERVAL = 0.5  # seconds between evaluations (and between cost and rollup runs)
RUNBOOK = "spend-surge"
RULES = f"""rules:
  - name: {RUNBOOK}
    detector: cost_anomaly
    params: {{group_by: [project, service], min_excess_usd: 10}}
    for: 1s
    severity: critical
    annotations:
      summary: "Spend of {{{{ $labels.service }}}} far above its usual level"
    runbook: {RUNBOOK}
"""
FIRST, SECOND = "chat-api", "search-api"
HISTORY = 28 * 24  # hours of ordinary spend before the spike


def incident_ids(api: ApiClient) -> list[str]:
    return [i.id for i in api.incidents().incidents]


def fired(api: ApiClient) -> list[str]:
    """The services whose alert-fired events are on INC-1's timeline, in order (one per alert episode)."""
    return [e.data["labels"]["service"] for e in api.incident("INC-1").timeline if e.kind == "alert_fired"]


def cycles(running, count: int) -> None:
    """Wait until the engine has run `count` more evaluations."""
    runs = alert_runs(running)
    eventually(lambda: alert_runs(running) >= runs + count, timeout=30, what=f"{count} more evaluations")


def test_a_spike_opens_one_incident_pinned_to_its_runbook_version_across_edits_and_restarts(service_factory,
                                                                                             tmp_path):
    rules, runbooks = tmp_path / "rules.yaml", tmp_path / "runbooks"
    rules.write_text(RULES)
    original = write_runbook(runbooks, RUNBOOK, "1.0.0", "Find the model that spends.").read_bytes()
    judged = judged_hour()
    clock = ShiftedClock(judged + timedelta(minutes=20))
    spike_hour, history_start = judged - HOUR, judged - HOUR - HISTORY * HOUR
    settings = dict(parts={"alerts_clock": clock}, runbooks={"dirs": [str(runbooks)]},
                    costs={"interval_seconds": INTERVAL, "rollup_interval_seconds": INTERVAL},
                    alerts={"shipped_rules": False, "rule_files": [str(rules)], "evaluation_interval_seconds": INTERVAL,
                            "route": {"group_by": ["alertname"], "group_wait": "0s"}})
    first = service_factory(**settings)
    for service in (FIRST, SECOND):
        seed_history(first.store, history_start, HISTORY, service)

    with ApiClient(first.api) as api:
        spent = send_calls(first, spike_hour, SPIKE, FIRST)
        # Opening ends with the first impact: the pin and the diagnostics are on the timeline by then.
        [opened] = eventually(lambda: [i for i in api.incidents().incidents if i.extra_cost_usd is not None],
                              timeout=30, what="an incident opened with its impact")
        assert (opened.id, opened.severity, opened.source, opened.service) == ("INC-1", "SEV2", "alert", FIRST)
        assert opened.runbook is not None
        assert (opened.runbook.id, opened.runbook.version, opened.runbook.content_sha256) == (
            RUNBOOK, "1.0.0", hashlib.sha256(original).hexdigest())
        shown = api.incident("INC-1")
        [diagnostic] = [e.data for e in shown.timeline if e.kind == "diagnostic"]
        assert (diagnostic["query"], diagnostic["status"], diagnostic["params"]) == (
            "spend_by_model", "ok", {"service": FIRST})
        # The window's hours (the spike's and the judged one) against the same hours a week earlier.
        [row] = [dict(zip(diagnostic["columns"], r, strict=True)) for r in diagnostic["rows"]]
        week_before = ordinary_usd(HISTORY - 7 * 24) + ordinary_usd(HISTORY - 7 * 24 + 1)
        assert (row["provider"], row["model"], row["calls_now"], row["calls_week_before"]) == ("openai", "gpt-4o", 12, 2)
        money = tuple(Decimal(row[c]) for c in ("cost_usd", "cost_usd_week_before", "change_usd"))
        assert money == (spent, week_before, spent - week_before) and spent == Decimal("32.055")
        # The incident started with the hour the alert judged, so its impact holds the spike.
        assert shown.started_at == spike_hour.isoformat().replace("+00:00", "Z")
        assert shown.impact is not None and shown.impact.current.requests == len(SPIKE)
        assert Decimal(opened.extra_cost_usd) == Decimal(shown.impact.extra_cost_usd) == spent - week_before

        # A second service of the group spikes: its alert joins INC-1 (after it opened), no second incident.
        send_calls(first, spike_hour, SPIKE, SECOND)
        eventually(lambda: fired(api) == [FIRST, SECOND], timeout=30, what="the second alert on INC-1's timeline")
        cycles(first, 4)
        assert incident_ids(api) == ["INC-1"]
        joined = api.incident("INC-1")
        assert sorted(a.labels["service"] for a in joined.alerts) == [FIRST, SECOND]
        assert all(a.resolved_at is None for a in joined.alerts)
        later = max(datetime.fromisoformat(a.fired_at) for a in joined.alerts)
        assert later > datetime.fromisoformat(joined.detected_at)

        # The runbook is edited to a new version while the service runs: the incident keeps the old one.
        write_runbook(runbooks, RUNBOOK, "1.1.0", "Find the feature that spends.")
        eventually(lambda: api.runbook(RUNBOOK).version == "1.1.0", timeout=30, what="the edited runbook in force")
        assert [v.version for v in api.runbook_versions(RUNBOOK).versions] == ["1.1.0", "1.0.0"]
        pinned = api.runbook(RUNBOOK, "1.0.0")
        assert pinned.text.encode() == original and not pinned.in_force
        assert_pinned_to_first_version(api, original)

    first.stop()
    second = service_factory(database=first.settings.database, clickhouse_url=first.settings.clickhouse_url,
                             **settings)
    with ApiClient(second.api) as api:
        eventually(lambda: alert_runs(second) >= 4, timeout=30, what="four evaluations after the restart")
        firing = api.alerts(status=("firing",)).alerts
        assert sorted(a.labels["service"] for a in firing) == [FIRST, SECOND]
        assert incident_ids(api) == ["INC-1"]
        assert fired(api) == [FIRST, SECOND]  # no alert linked twice
        assert_pinned_to_first_version(api, original)


def assert_pinned_to_first_version(api: ApiClient, original: bytes) -> None:
    """INC-1 follows version 1.0.0: its pin, its steps and the version's text as first recorded."""
    shown = api.incident("INC-1")
    assert shown.runbook is not None
    assert (shown.runbook.version, shown.runbook.content_sha256) == ("1.0.0", hashlib.sha256(original).hexdigest())
    assert shown.steps[0].text == "Find the model that spends."
    assert [e.data["version"] for e in shown.timeline if e.kind == "runbook_pinned"] == ["1.0.0"]
    assert api.runbook(RUNBOOK, "1.0.0").text.encode() == original
