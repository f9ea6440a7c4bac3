"""Incidents in the running service: an alert opens one with its runbook pinned and diagnostics on the timeline;
people move it through the API (409 with the allowed moves when they cannot), note, check steps, edit, write the
post-mortem fields; the numbers across incidents; and the CLI verbs, one clear line when refused."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from client.api import ApiClient, ApiError
from client.models.incidents import ActionItem, EditIncident, OpenIncident, PostmortemPatch
from tests.helpers.cli import spyglass
from tests.helpers.receivers import endpoint
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

BUSY = """rules:
  - name: chat-busy
    sql: SELECT 'chat' AS service, 3.5 AS value
    severity: critical
    annotations: {summary: "{{ $labels.service }} is failing"}
    runbook: slo-burn
"""


@pytest.fixture
def firing(service_factory, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(BUSY)
    with endpoint() as webhook:
        yield service_factory(alerts={
            "shipped_rules": False, "rule_files": [str(rules)], "evaluation_interval_seconds": 0.5,
            "receivers": [{"name": "team", "type": "webhook", "url": webhook.url}],
            "route": {"receiver": "team", "group_wait": "0s"}})


def refused(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def test_an_alert_opens_an_incident_that_people_move_note_and_write_up(firing):
    with ApiClient(firing.api) as api:
        # Opening ends with the first impact: the runbook pin and the diagnostics are on the timeline by then.
        [listed] = eventually(lambda: [i for i in api.incidents().incidents if i.extra_cost_usd is not None],
                              timeout=30, what="an incident opened with its impact")
        assert (listed.id, listed.severity, listed.status, listed.service, listed.source) == (
            "INC-1", "SEV2", "triggered", "chat", "alert")
        assert listed.runbook is not None and (listed.runbook.id, listed.runbook.version) == ("slo-burn", "1.0.0")
        shown = api.incident("INC-1")
        assert shown.title == "chat is failing" and shown.allowed_actions == ["ack", "mitigate", "resolve"]
        assert [(a.rule, a.labels["service"], a.resolved_at) for a in shown.alerts] == [("chat-busy", "chat", None)]
        assert [e.kind for e in shown.timeline][:3] == ["opened", "alert_fired", "runbook_pinned"]
        diagnostics = [e.data["query"] for e in shown.timeline if e.kind == "diagnostic"]
        assert diagnostics == ["error_budget_by_service", "errors_by_type", "latency_by_provider_host",
                               "calls_by_version"]
        assert shown.steps[0].text.startswith("Acknowledge.") and not shown.steps[0].checked
        sent = eventually(lambda: [e.text for e in api.incident("INC-1").timeline if e.kind == "notification_sent"],
                          timeout=30, what="the group's notification on the timeline")
        assert sent == ["firing notification sent to team"]

        acked = api.transition_incident("INC-1", "ack", "ana", note="on it")
        assert (acked.status, acked.commander, acked.acknowledged_at is not None) == ("acknowledged", "ana", True)
        again = refused(lambda: api.transition_incident("INC-1", "ack", "bo"))
        assert again.status == 409 and again.message == ("cannot ack an incident that is acknowledged (allowed: "
                                                         "mitigate, resolve)")
        body = httpx.post(f"{firing.api}/api/v1/incidents/INC-1/close", json={"by": "bo"}).json()
        assert body == {"error": "cannot close an incident that is acknowledged (allowed: mitigate, resolve)",
                        "status": "acknowledged", "allowed": ["mitigate", "resolve"]}

        checked = api.check_runbook_step("INC-1", 1, "ana")
        assert (checked.steps[0].checked, checked.steps[0].by) == (True, "ana")
        assert refused(lambda: api.check_runbook_step("INC-1", 99, "ana")).status == 400
        assert api.note_incident("INC-1", "ana", "rolled back the prompt").text == "rolled back the prompt"
        edited = api.edit_incident("INC-1", EditIncident(by="ana", severity="SEV1"))
        assert edited.severity == "SEV1"
        assert [e.text for e in edited.timeline if e.kind == "edited"] == ["severity: SEV2 -> SEV1"]

        api.transition_incident("INC-1", "mitigate", "ana")
        resolved = api.transition_incident("INC-1", "resolve", "ana")
        assert resolved.impact is not None and not resolved.impact.final
        assert resolved.impact.error_budget is None and resolved.impact.error_budget_note.startswith("unknown")
        closed = api.transition_incident("INC-1", "close", "ana")
        assert closed.impact is not None and closed.impact.final and closed.allowed_actions == []
        assert refused(lambda: api.transition_incident("INC-1", "reopen", "ana")).message.endswith(
            "(allowed: none: a closed incident is final)")

        due = date.today() - timedelta(days=1)
        written = api.edit_postmortem("INC-1", PostmortemPatch(
            by="ana", root_cause="a prompt change", went_well="the page came fast",
            action_items=[ActionItem(title="canary prompts", owner="bo", due=due),
                          ActionItem(title="done already", owner="cy", done=True)]))
        assert (written.postmortem.root_cause, written.postmortem.summary) == ("a prompt change", "")
        [item] = api.action_items().items
        assert (item.incident, item.title, item.owner, item.due, item.overdue) == (
            "INC-1", "canary prompts", "bo", due.isoformat(), True)
        statuses = [e.data.get("to") for e in closed.timeline if e.kind == "status_changed"]
        assert statuses == ["acknowledged", "mitigated", "resolved", "closed"]

        [week] = api.incident_metrics().weeks
        assert (week.service, week.severity, week.incidents) == ("chat", "SEV1", 1)
        assert (week.detect.count, week.acknowledge.count, week.mitigate.count, week.resolve.count) == (1, 1, 1, 1)
        assert [(m.incidents, m.without_impact) for m in api.incident_metrics().months] == [(1, 0)]
        assert [i.id for i in api.incidents(status=("closed",), severity=("SEV1",), service="chat").incidents] == \
            ["INC-1"]
        assert api.incidents(status=("triggered",), service="chat").incidents == []  # one episode, one incident


def test_bad_requests_are_refused_and_write_nothing(service):
    with ApiClient(service.api) as api:
        assert refused(lambda: api.incident("INC-9")).status == 404
        assert refused(lambda: api.incident("nine")).message == "no incident nine (an id is INC-<number>)"
        assert refused(lambda: api.transition_incident("INC-9", "ack", "ana")).status == 404
        assert refused(lambda: api.incidents(status=("open",))).message.startswith("status: open is not one of")
        assert refused(lambda: api.open_incident(OpenIncident(title=" ", severity="SEV3", by="ana"))).status == 400
        unknown = httpx.post(f"{service.api}/api/v1/incidents", json={"title": "x", "severity": "SEV3", "by": "a",
                                                                        "sevirity": "SEV1"})
        assert unknown.status_code == 400 and "sevirity" in unknown.json()["error"]
        pinned = refused(lambda: api.open_incident(OpenIncident(title="x", severity="SEV3", by="ana",
                                                                started_at="2999-01-01T00:00:00Z")))
        assert pinned.message == "started_at: an incident cannot start in the future"
        unknown_runbook = refused(lambda: api.open_incident(OpenIncident(title="x", severity="SEV3", by="ana",
                                                                         runbook="cost-spike@9.0.0")))
        assert (unknown_runbook.status, unknown_runbook.message) == (
            400, "runbook: runbook cost-spike has no recorded version 9.0.0")
        assert api.incidents().incidents == []


def test_the_incident_verbs_against_the_service(service):
    api = ("--api-url", service.api)
    opened = spyglass("incidents", "open", "Checkout answers fail", "--severity", "SEV2", "--service", "chat",
                      "--runbook", "cost-spike", "--by", "ana", *api)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "INC-1 opened (SEV2, runbook cost-spike@1.0.0)"
    listed = spyglass("incidents", "list", *api).stdout.splitlines()
    assert listed[0].split() == ["ID", "SEV", "STATUS", "SERVICE", "DETECTED", "(UTC)", "TITLE"]
    assert listed[1].split()[:4] == ["INC-1", "SEV2", "triggered", "chat"] and listed[1].endswith("Checkout answers fail")
    assert spyglass("incidents", "ack", "INC-1", "--by", "bo", *api).stdout.strip() == "INC-1 acknowledged"
    assert spyglass("incidents", "note", "inc-1", "provider 5xx", "--by", "bo", *api).stdout.strip() == "noted on INC-1"
    for verb, status in (("mitigate", "mitigated"), ("resolve", "resolved"), ("reopen", "acknowledged"),
                         ("resolve", "resolved"), ("close", "closed")):
        assert spyglass("incidents", verb, "INC-1", *api).stdout.strip() == f"INC-1 {status}"
    shown = spyglass("incidents", "show", "INC-1", *api)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "INC-1  SEV2  closed  Checkout answers fail"
    assert lines[2].startswith("runbook cost-spike@1.0.0 (sha256 ")
    assert "next: nothing (closed)" in lines and "Runbook steps" in lines and "Timeline (UTC)" in lines
    assert any(line.startswith("Impact ") and line.endswith("(final)") for line in lines)
    assert any("bo" in line and "provider 5xx" in line for line in lines)
    again = spyglass("incidents", "close", "INC-1", *api)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.strip() == ("spyglass: incidents close INC-1 failed (409): cannot close an incident that is "
                                    "closed (allowed: none: a closed incident is final)")
    missing = spyglass("incidents", "show", "INC-7", *api)
    assert missing.returncode == 2 and missing.stderr.strip() == "spyglass: incidents show INC-7 failed (404): no " \
                                                                 "incident INC-7"
