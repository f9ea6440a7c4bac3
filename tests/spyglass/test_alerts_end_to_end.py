"""End to end: a cost spike sent as real OpenTelemetry SDK spans through OTLP is priced and rolled up by the
service's jobs, the `cost_anomaly` detector finds it, the rule goes pending then firing, and a real webhook
receives exactly one signed firing notification; once the spike's hour is no longer the judged one, exactly one
resolved notification follows and nothing more.

The detector judges complete hours, so the alert engine runs on a clock of the test's (the service's
`alerts_clock` seam): real time shifted to twenty minutes past an hour a day ago, which the test moves one hour
on. Everything else (the collector, the cost and rollup jobs, the outbox and its delivery) runs on real time.
"""

from __future__ import annotations

import base64
import math
import secrets
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from standardwebhooks import Webhook

from alerts.outbox import list_notifications
from client.api import ApiClient
from store.params import hour_param
from tests.helpers.detector_rows import insert_costs
from tests.helpers.otel_clients import span_exporter
from tests.helpers.receivers import endpoint
from tests.helpers.wait import eventually

pytestmark = pytest.mark.xdist_group("alert-engine")

HOUR = timedelta(hours=1)
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
# gpt-4o at $2.50 / $10 per million input / output tokens (the shipped catalog).
ORDINARY = {"input": 1000, "output": 100_000, "usd": Decimal("1.0025"), "feature": "answer", "user": "u-1"}
LOOP = {"input": 2000, "output": 300_000, "usd": Decimal("3.005"), "feature": "agent", "user": "u-loop"}


class ShiftedClock:
    """Real time plus an offset the test moves: time passes (so `for:` elapses) and can jump an hour."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


def seed_history(store, first_hour: datetime, hours: int) -> None:
    """Ordinary spend of chat-api, about $2 an hour (a 5 % wobble, so the noise is not zero), as priced rows
    rolled up by the rollup code."""
    rows = [{"timestamp": first_hour + h * HOUR + timedelta(minutes=10), "span_id": f"h{h}", "project": "default",
             "service_name": "chat-api", "feature": "answer", "user_id": "u-1",
             "cost_total": repr(round(2 * (1 + 0.05 * math.sin(h)), 4))} for h in range(hours)]
    insert_costs(store, rows, datetime.now(timezone.utc))


def send_calls(service, hour: datetime, calls: list[dict]) -> Decimal:
    """GenAI chat spans of chat-api inside `hour`, through the real SDK and OTLP/HTTP in one export (so that they
    are priced together); returns their list price."""
    provider = TracerProvider(resource=Resource.create({"service.name": "chat-api"}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter("http", service), max_export_batch_size=512))
    tracer = provider.get_tracer("tests.alerts.end_to_end")
    for i, call in enumerate(calls):
        begin = hour + timedelta(minutes=5, seconds=30 * i)
        span = tracer.start_span("chat gpt-4o", kind=SpanKind.CLIENT, start_time=_ns(begin), attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": call["input"], "gen_ai.usage.output_tokens": call["output"],
            "spyglass.feature": call["feature"], "user.id": call["user"]})
        span.end(end_time=_ns(begin + timedelta(seconds=2)))
    provider.shutdown()
    return sum((call["usd"] for call in calls), Decimal(0))


def _ns(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000


def hour_spend(service, hour: datetime) -> Decimal:
    """chat-api's spend in `hour` as the rollup holds it."""
    [row] = service.rows("SELECT sum(cost_total) AS usd FROM cost_hourly FINAL WHERE hour = {hour:DateTime('UTC')} "
                         "AND project = 'default' AND service_name = 'chat-api'", {"hour": hour_param(hour)})
    return Decimal(row["usd"])


def _at(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def alert_runs(service) -> int:
    return httpx.get(f"{service.api}/readyz", timeout=5).json()["jobs"]["alerts"]["runs"]


def test_a_cost_spike_pages_once_and_resolves_once(service_factory, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    real_hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    judged = real_hour - timedelta(days=1)  # the engine's last complete hour: the spike's hour ends here
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
        spent = send_calls(service, spike_hour, [ORDINARY, ORDINARY] + [LOOP] * 10)  # an agent stuck in a loop

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
