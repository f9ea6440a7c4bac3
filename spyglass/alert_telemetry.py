"""What the alert engine and the notification outbox say about themselves: a span per rule evaluation (a child
of the `alerts` job's span) with `spyglass.alerts.rule.evaluations` and `.duration`, and a span per delivery
attempt (the outbox counts attempts itself). They reach the engine and the outbox as plain callbacks, so
alerts/ needs no tracer of ours.
"""

from __future__ import annotations

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from alerts.evaluation import RuleResult
from alerts.notifiers import Delivery
from spyglass.self_traces import record_span
from store.queries.notifications import NotificationRow


class RuleObserver:
    def __init__(self, tracer: Tracer, meter: Meter) -> None:
        self._tracer = tracer
        self._evaluations = meter.create_counter("spyglass.alerts.rule.evaluations", "{evaluation}",
                                                 "Alert rule evaluations, by rule and outcome (ok or error)")
        self._seconds = meter.create_histogram("spyglass.alerts.rule.duration", "s",
                                               "Time to evaluate one alert rule (its share of a shared detector "
                                               "query included), by rule")

    def __call__(self, result: RuleResult) -> None:
        rule = result.rule.name
        self._evaluations.add(1, {"rule": rule, "outcome": "error" if result.error else "ok"})
        self._seconds.record(result.seconds, {"rule": rule})
        record_span(self._tracer, f"alert rule {rule}", result.seconds,
                    {"alert.rule": rule, "alert.detector": result.rule.detector or "sql",
                     "alert.instances": len(result.samples or ())}, result.error, result.started_ns)


def delivery_span(tracer: Tracer):
    """The outbox's `on_attempt`: one span per delivery attempt (a root: deliveries run on the lanes' threads)."""
    def on_attempt(row: NotificationRow, delivery: Delivery, seconds: float) -> None:
        record_span(tracer, f"notify {row.receiver}", seconds,
                    {"notification.receiver": row.receiver, "notification.id": row.id,
                     "notification.attempt": row.attempts, "notification.outcome": delivery.outcome},
                    delivery.detail if delivery.outcome != "delivered" else "")

    return on_attempt
