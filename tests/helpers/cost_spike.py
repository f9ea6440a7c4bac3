"""A cost spike as the end-to-end tests inject it: four weeks of ordinary spend of a service, then an hour of
GenAI calls sent as real OpenTelemetry SDK spans through OTLP, judged by an alert engine on a clock of the test's.

The `cost_anomaly` detector judges complete hours, so the engine runs on `ShiftedClock` (the service's
`alerts_clock` seam): real time shifted to some minutes past an hour a day ago, which a test can move on.
Everything else (the collector, the cost and rollup jobs, the outbox) runs on real time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

from store.base import Store
from store.params import hour_param
from tests.helpers.detector_rows import insert_costs
from tests.helpers.otel_clients import span_exporter

HOUR = timedelta(hours=1)
# gpt-4o at $2.50 / $10 per million input / output tokens (the shipped catalog).
ORDINARY = {"input": 1000, "output": 100_000, "usd": Decimal("1.0025"), "feature": "answer", "user": "u-1"}
LOOP = {"input": 2000, "output": 300_000, "usd": Decimal("3.005"), "feature": "agent", "user": "u-loop"}
SPIKE = [ORDINARY, ORDINARY] + [LOOP] * 10  # an agent stuck in a loop: $32.055 in one hour


class ShiftedClock:
    """Real time plus an offset the test moves: time passes (so `for:` elapses) and can jump an hour."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


def judged_hour() -> datetime:
    """The hour a day ago that the engine's clock starts just after: the spike's hour ends at it."""
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)


def ordinary_usd(h: int) -> Decimal:
    """The ordinary spend of hour `h` of the history: about $2 (a 5 % wobble, so the noise is not zero)."""
    return Decimal(repr(round(2 * (1 + 0.05 * math.sin(h)), 4)))


def seed_history(store: Store, first_hour: datetime, hours: int, service: str = "chat-api") -> None:
    """Ordinary spend of `service` for `hours` from `first_hour`, one gpt-4o call an hour, as priced rows rolled
    up by the rollup code."""
    rows = [{"timestamp": first_hour + h * HOUR + timedelta(minutes=10), "span_id": f"{service}-h{h}",
             "project": "default", "service_name": service, "feature": "answer", "user_id": "u-1",
             "cost_total": str(ordinary_usd(h))} for h in range(hours)]
    insert_costs(store, rows, datetime.now(timezone.utc))


def send_calls(running, hour: datetime, calls: list[dict], service: str = "chat-api") -> Decimal:
    """GenAI chat spans of `service` inside `hour`, through the real SDK and OTLP/HTTP to the `running` service in
    one export (so that they are priced together); returns their list price."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter("http", running), max_export_batch_size=512))
    tracer = provider.get_tracer("tests.cost_spike")
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


def hour_spend(running, hour: datetime, service: str = "chat-api") -> Decimal:
    """`service`'s spend in `hour` as the rollup holds it."""
    [row] = running.rows("SELECT sum(cost_total) AS usd FROM cost_hourly FINAL WHERE hour = {hour:DateTime('UTC')} "
                         "AND project = 'default' AND service_name = {service:String}",
                         {"hour": hour_param(hour), "service": service})
    return Decimal(row["usd"])


def alert_runs(running) -> int:
    """How many evaluation cycles the service's alert engine has run."""
    return httpx.get(f"{running.api}/readyz", timeout=5).json()["jobs"]["alerts"]["runs"]
