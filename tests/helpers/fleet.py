"""A known small fleet of LLM calls, sent through the real OpenTelemetry SDK, and the seeded services
(`fleet`, `keyed`: session fixtures, registered as a plugin by tests/conftest.py) that hold it.

The spans are stamped two hours ago, so one service serves both the "data" views
(`?range=6h`) and the empty state (`?range=15m`) whatever order the tests run in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

READ_KEY = "dashboard-test-read-key"
# On the modules whose tests use the `fleet` or `keyed` services, so that `--dist loadgroup` (make test) runs
# them on one worker: each worker would otherwise start the services and keep them to the end of the session.
SHARED_SERVICES = pytest.mark.xdist_group("dashboard-services")


@dataclass(frozen=True)
class Call:
    """One LLM call to send: which model, how many tokens, how long, whether it failed."""

    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    duration_ms: int
    error: bool = False
    ttft_ms: int | None = None  # time to first token, for a streamed call


# Four streamed calls to gpt-4o (first token at 120 ms), two to claude-sonnet-4 of which one fails; times are
# exact so latency percentiles are known: p95 over all six is 800 ms.
FLEET = (
    Call("gpt-4o", "openai", 1000, 200, 200, ttft_ms=120), Call("gpt-4o", "openai", 1000, 200, 200, ttft_ms=120),
    Call("gpt-4o", "openai", 1000, 200, 200, ttft_ms=120), Call("gpt-4o", "openai", 1000, 200, 200, ttft_ms=120),
    Call("claude-sonnet-4", "anthropic", 500, 100, 800),
    Call("claude-sonnet-4", "anthropic", 500, 100, 800, error=True),
)
FLEET_AGE_S = 2 * 3600


def send_fleet(otlp_http: str, calls: tuple[Call, ...] = FLEET, age_s: int = FLEET_AGE_S,
               resource: dict[str, str] | None = None) -> None:
    """Send GenAI chat spans through the real OpenTelemetry SDK and OTLP/HTTP exporter (resource: `chat-api`'s
    unless given)."""
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "chat-api"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_http}/v1/traces",
                                                                     timeout=10)))
    tracer = provider.get_tracer("tests.dashboard")
    start = time.time_ns() - age_s * 1_000_000_000
    for i, call in enumerate(calls):
        begin = start + i * 1_000_000_000
        span = tracer.start_span(f"chat {call.model}", kind=SpanKind.CLIENT, start_time=begin, attributes={
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": call.provider,
            "gen_ai.request.model": call.model, "gen_ai.usage.input_tokens": call.input_tokens,
            "gen_ai.usage.output_tokens": call.output_tokens})
        if call.ttft_ms is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", call.ttft_ms / 1000)
        if call.error:
            span.set_status(Status(StatusCode.ERROR, "overloaded"))
        span.end(end_time=begin + call.duration_ms * 1_000_000)
    provider.shutdown()


def wait_for_dashboard(url: str, timeout: float = 30) -> None:
    """Streamlit starts after the API is ready; wait for its own health check."""
    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    eventually(healthy, timeout=timeout, what=f"the dashboard at {url} coming up")


# Price and roll up within seconds, and one budget, so the Costs page has numbers to show. (At 0.5 s the
# two jobs kept an idle service at a quarter of a core for the whole session.)
FAST_COSTS = {"SPYGLASS_COSTS__INTERVAL_SECONDS": "2", "SPYGLASS_COSTS__ROLLUP_INTERVAL_SECONDS": "2",
              "SPYGLASS_COSTS__BUDGETS": '[{"name": "default-project", "scope": "project", "value": "default", '
                                  '"monthly": "1"}]'}

# The canary job judges the changes a test reports within seconds (the Releases page shows its verdicts).
FAST_RELEASES = {"SPYGLASS_RELEASES__CANARY_INTERVAL_SECONDS": "5"}

# A price catalog file of the fleet's own (pricing a model nobody calls), so a test can break it and see the pages
# say so (tests/dashboard/test_settings_browser.py), then mend it.
FLEET_CATALOG = 'entries:\n  - {id: fleet-spare, provider: openai, models: [fleet-spare-model], input: "1", output: "1"}\n'


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`spyglass up` with its dashboard, holding FLEET (sent two hours ago)."""
    home = tmp_path_factory.mktemp("fleet")
    (home / "prices.yaml").write_text(FLEET_CATALOG)
    service = ServiceProcess(home / "data", dashboard=True, env={
        **FAST_COSTS, **FAST_RELEASES, "SPYGLASS_COSTS__CATALOG_FILES": json.dumps([str(home / "prices.yaml")])}).start()
    try:
        send_fleet(service.otlp_http)
        summary = httpx.get(f"{service.api}/api/v1/summary", params={"since": "6h"}, timeout=10).json()
        assert summary["overall"]["requests"] == len(FLEET), summary
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="session")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`spyglass up` with a read key configured: the API refuses requests without it."""
    service = ServiceProcess(tmp_path_factory.mktemp("keyed") / "data", dashboard=True,
                             env={"SPYGLASS_READ_KEYS": f'["{READ_KEY}"]'}).start()
    try:
        wait_for_dashboard(service.dashboard_url)
        yield service
    finally:
        service.stop()
