"""Each notification delivery attempt is a span of Spyglass's own (spyglass/alert_telemetry.py `delivery_span`): a
real outbox delivering to a real HTTP receiver, the spans taken by the OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from alerts.notifiers.webhook import WebhookConfig
from alerts.outbox import Outbox
from spyglass.alert_telemetry import delivery_span
from tests.alerts.test_outbox import FAST, state_of
from tests.helpers.notifications import notification
from tests.helpers.receivers import Answer, endpoint
from tests.helpers.wait import eventually


def test_every_delivery_attempt_is_a_span_with_its_outcome(store):
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    with endpoint([Answer(503, "upstream busy"), Answer(200)]) as receiver:
        outbox = Outbox(store, [WebhookConfig(name="ops", type="webhook", url=receiver.url)], FAST,
                        on_attempt=delivery_span(provider.get_tracer("test")))
        outbox.start()
        try:
            [notification_id] = outbox.enqueue([notification("ops")])
            eventually(state_of(store, notification_id, "delivered"), what="delivered on the second attempt")
            eventually(lambda: len(spans.get_finished_spans()) == 2, what="two attempt spans")
        finally:
            outbox.stop(timeout=0.5)
    first, second = sorted(spans.get_finished_spans(), key=lambda s: s.attributes["notification.attempt"])
    assert {first.name, second.name} == {"notify ops"}
    assert (first.attributes["notification.id"], second.attributes["notification.id"]) == (notification_id,) * 2
    assert (first.attributes["notification.outcome"], second.attributes["notification.outcome"]) != ("delivered",) * 2
    assert second.attributes["notification.outcome"] == "delivered" and second.status.status_code != StatusCode.ERROR
    assert first.status.status_code == StatusCode.ERROR and "503" in (first.status.description or "")
    assert first.parent is None and second.end_time >= second.start_time
