"""End to end: a cost spike sent as real OpenTelemetry SDK spans through OTLP is priced and rolled up by the
service's jobs, the `cost_anomaly` detector finds it, the rule goes pending then firing, and a real webhook
receives exactly one signed firing notification; once the spike's hour is no longer the judged one, exactly one
resolved notification follows and nothing more.

The detector judges complete hours, so the alert engine runs on a clock of the test's (tests/helpers/cost_spike.py):
real time shifted to twenty minutes past an hour a day ago, which the test moves one hour on.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from standardwebhooks import Webhook

from alerts.outbox import list_notifications
from client.api import ApiClient
from tests.helpers.cost_spike import (
    HOUR,
    ORDINARY,
    SPIKE,
    ShiftedClock,
    alert_runs,
    hour_spend,
    judged_hour,
    seed_history,
    send_calls,
)
from tests.helpers.receivers import endpoint
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

INTERVAL = 0.5  # seconds between evaluations (and between cost and rollup runs)
FOR = timedelta(seconds=3)  # pending for six evaluations before firing
RULES = f"""rules:
  - name: cost-spike
    detector: cost_anomaly
    params: {{group_by: [project, service], min_excess_usd: 10}}
    for: {FOR.seconds}s
    severity: warning
    annotations:
      summary: "Spend of {{{{ $labels.service }}}} ({{{{ $labels.project }}}}) far above its usual level"
      description: "${{{{ $evidence.spend_usd }}}} in the last hour against an expected ${{{{ $evidence.expected_usd }}}}."
"""
SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _at(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def test_a_cost_spike_pages_once_and_resolves_once(service_factory, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    judged = judged_hour()  # the engine's last complete hour: the spike's hour ends here
    clock = ShiftedClock(judged + timedelta(minutes=20))
    spike_hour, after_hour = judged - HOUR, judged
    with endpoint() as webhook:
        service = service_factory(
            parts={"alerts_clock": clock},
            costs={"interval_seconds": INTERVAL, "rollup_interval_seconds": INTERVAL},
            alerts={"shipped_rules": False, "rule_files": [str(rules)], "evaluation_interval_seconds": INTERVAL,
                    "receivers": [{"name": "finops", "type": "webhook", "url": webhook.url, "secret": SECRET}],
                    "route": {"receiver": "finops", "group_by": ["alertname"], "group_wait": "0s",
                              "group_interval": "1s", "repeat_interval": "4h"}})
        seed_history(service.store, spike_hour - 28 * 24 * HOUR, 28 * 24)
        spent = send_calls(service, spike_hour, SPIKE)

        with ApiClient(service.api) as api:
            # Pending first (for FOR of the engine's time), then firing.
            [pending] = eventually(lambda: api.alerts(status=("pending",)).alerts, timeout=30, what="a pending alert")
            [firing] = eventually(lambda: api.alerts(status=("firing",)).alerts, timeout=30, what="a firing alert")
            [first] = eventually(webhook.requests.copy, timeout=30, what="the firing notification")
            runs = alert_runs(service)
            eventually(lambda: alert_runs(service) >= runs + 4, timeout=30, what="four more evaluations")
            assert len(webhook.requests) == 1, "the firing alert was notified more than once"

            # The spike ends: an ordinary hour follows, and the engine's clock moves past its end.
            ordinary = send_calls(service, after_hour, [ORDINARY, ORDINARY])
            eventually(lambda: hour_spend(service, after_hour) == ordinary, timeout=30, what="the next hour rolled up")
            clock.advance(HOUR)
            [resolved] = eventually(lambda: api.alerts(status=("resolved",)).alerts, timeout=30,
                                    what="the alert resolved")
            eventually(lambda: len(webhook.requests) == 2, timeout=30, what="the resolved notification")
            runs = alert_runs(service)
            eventually(lambda: alert_runs(service) >= runs + 4, timeout=30, what="four more evaluations")
            history = api.alert_history(since=(spike_hour - HOUR).isoformat(), until=(clock() + HOUR).isoformat(),
                                        rule="cost-spike")

    assert hour_spend(service, spike_hour) == spent == Decimal("32.055")
    labels = {"alertname": "cost-spike", "severity": "warning", "project": "default", "service": "chat-api"}
    assert pending.labels == firing.labels == resolved.labels == labels
    assert firing.active_since == pending.active_since
    assert _at(firing.firing_since) - _at(firing.active_since) >= FOR
    evidence = firing.evidence
    assert evidence["spend_usd"] == "32.055" and evidence["window"]["end"] == judged.isoformat().replace("+00:00", "Z")
    assert Decimal(evidence["excess_usd"]) > 10 and Decimal(evidence["expected_usd"]) < 3
    assert evidence["baseline"]["method"] == "hour-of-week" and evidence["robust_z"] > 3
    assert evidence["contributors"]["feature"][0]["feature"] == "agent"
    assert evidence["top_users"][0] == {"user": "u-loop", "spend_usd": "30.05"}
    assert [(e.from_status, e.to_status) for e in reversed(history.events)] == [
        ("inactive", "pending"), ("pending", "firing"), ("firing", "resolved")]

    assert len(webhook.requests) == 2, "a notification was sent after the resolved one"
    second = webhook.requests[1]
    bodies = [Webhook(SECRET).verify(r.body, {k.lower(): v for k, v in r.headers.items()}) for r in (first, second)]
    assert [b["status"] for b in bodies] == ["firing", "resolved"]
    assert all(b["version"] == "4" and b["receiver"] == "finops" and len(b["alerts"]) == 1 for b in bodies)
    fired, ended = bodies[0]["alerts"][0], bodies[1]["alerts"][0]
    assert fired["labels"] == ended["labels"] == labels and fired["fingerprint"] == ended["fingerprint"]
    assert fired["annotations"]["description"].startswith("$32.055 in the last hour against an expected $")
    assert fired["startsAt"] == ended["startsAt"] == firing.firing_since and fired["endsAt"] == "0001-01-01T00:00:00Z"
    assert ended["endsAt"] == resolved.resolved_at and _at(ended["endsAt"]) >= after_hour + HOUR  # the clock moved
    assert first.headers["webhook-id"] != second.headers["webhook-id"]
    sent = list_notifications(service.store)
    assert sorted((n["status"], n["state"]) for n in sent) == [("firing", "delivered"), ("resolved", "delivered")]
