"""The PagerDuty receiver against a local endpoint answering as Events API v2 does: trigger and resolve with
one dedup_key per group, the routing key from the environment, 202 delivered, 400 permanent, 5xx retried."""

from __future__ import annotations

import pytest

from alerts.notifiers import build
from alerts.notifiers.pagerduty import PagerDutyConfig, dedup_key
from tests.helpers.notifications import notification
from tests.helpers.receivers import Answer, endpoint

KEY = "R0UT1NGK3Y0123456789ABCDEFGHIJKL"
ACCEPTED = Answer(202, '{"status":"success","message":"Event processed"}', {"Content-Type": "application/json"})


@pytest.fixture
def routing_key(monkeypatch):
    monkeypatch.setenv("SPYGLASS_TEST_PD_KEY", KEY)
    return "${SPYGLASS_TEST_PD_KEY}"


def config(url: str, key: str, **more) -> PagerDutyConfig:
    return PagerDutyConfig(name="pager", type="pagerduty", url=url + "/v2/enqueue", routing_key=key, **more)


def test_trigger_then_resolve_name_the_same_pagerduty_alert(routing_key):
    with endpoint(default=ACCEPTED) as pagerduty:
        notifier = build(config(pagerduty.url, routing_key), 5, 1)
        outcomes = [notifier.send(notification("pager", status=s, sequence=i)).outcome
                    for i, s in enumerate(("firing", "resolved"), start=1)]
        notifier.close()
    assert outcomes == ["delivered", "delivered"]
    trigger, resolve = pagerduty.bodies()
    assert trigger["routing_key"] == KEY and trigger["event_action"] == "trigger"
    assert resolve == {"routing_key": KEY, "dedup_key": trigger["dedup_key"], "event_action": "resolve"}
    assert trigger["dedup_key"] == dedup_key(notification("pager")) and len(trigger["dedup_key"]) == 64
    payload = trigger["payload"]
    assert payload["summary"] == "[FIRING:2] HighLLMErrorRate chat-api (critical)"
    assert (payload["source"], payload["severity"], payload["timestamp"]) == ("spyglass", "critical",
                                                                              "2026-05-02T14:03:00Z")
    assert payload["custom_details"]["num_firing"] == 2 and len(payload["custom_details"]["firing"]) == 2
    assert {link["text"] for link in trigger["links"]} == {"Runbook", "Spyglass"}


def test_another_group_is_another_pagerduty_alert():
    assert dedup_key(notification("pager", group="a")) != dedup_key(notification("pager", group="b"))
    assert dedup_key(notification("pager", sequence=1)) == dedup_key(notification("pager", sequence=9))


def test_an_unknown_severity_label_falls_back_to_the_configured_one(routing_key):
    from alerts.notifiers.pagerduty import event
    sent = notification("pager")
    sent.common_labels["severity"] = "page"
    assert event(sent, config("http://127.0.0.1:9", routing_key, severity="warning"))["payload"]["severity"] == "warning"


@pytest.mark.parametrize(("answer", "outcome"), [
    (Answer(400, '{"status":"invalid event","errors":["routing_key is invalid"]}'), "failed"),
    (Answer(500, "oops"), "retry"), (Answer(429, "", {"Retry-After": "60"}), "retry")])
def test_answers(answer, outcome, routing_key):
    with endpoint([answer]) as pagerduty:
        notifier = build(config(pagerduty.url, routing_key), 5, 1)
        delivery = notifier.send(notification("pager"))
        notifier.close()
    assert delivery.outcome == outcome and KEY not in delivery.detail


def test_the_routing_key_is_never_shown():
    shown = PagerDutyConfig(name="pager", type="pagerduty", routing_key=KEY)
    assert KEY not in repr(shown) and KEY not in str(shown.public())
    assert str(shown.url) == "https://events.pagerduty.com/v2/enqueue" and shown.send_resolved is True
