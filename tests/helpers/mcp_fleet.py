"""The seeded service the MCP server's tests read (one per test module): `spyglass up` without its dashboard, with
the `ops` fleet's keys, rules and receivers (tests/helpers/ops_fleet.py: `agent-spend` fires and opens INC-1 with
the `cost-spike` runbook pinned, `chat-volume` fires), its LLM calls priced within seconds, and two hours of four
GPUs (tests/helpers/gpu_fleet.py), two of them idle.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from client.api import ApiClient, Query
from tests.helpers.fleet import FAST_COSTS, FLEET, send_fleet
from tests.helpers.gpu_fleet import gpu_metrics_request
from tests.helpers.ops_fleet import AGENT, CHAT, LOOP, READ, Ops, write_config
from tests.helpers.receivers import Endpoint
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

# A read key that reaches only the project `elsewhere`, where nothing is sent: through the MCP server it must see
# none of the fleet's (project `default`) spend, traces or incidents.
ELSEWHERE_KEY = "elsewhere-read-key"


@contextmanager
def seeded_service(root: Path) -> Iterator[Ops]:
    receiver = Endpoint()
    write_config(root, receiver.url, {ELSEWHERE_KEY: ["elsewhere"]})
    service = ServiceProcess(root / "data", env=FAST_COSTS)
    try:
        service.start()
        end_ns = (time.time_ns() - 30 * 60_000_000_000) // 60_000_000_000 * 60_000_000_000
        sent = httpx.post(f"{service.otlp_http}/v1/metrics", content=gpu_metrics_request(end_ns).SerializeToString(),
                          headers={"Content-Type": "application/x-protobuf"},
                          timeout=30)
        assert sent.status_code == 200, sent.text
        send_fleet(service.otlp_http, calls=FLEET, age_s=600, resource={"service.name": CHAT})
        send_fleet(service.otlp_http, calls=LOOP, age_s=300, resource={"service.name": AGENT})
        with ApiClient(service.api, api_key=READ) as api:
            eventually(lambda: [i for i in api.incidents().incidents if i.runbook], timeout=60,
                       what="INC-1 opened with its runbook")
            eventually(lambda: api.cost_breakdown(Query("1h"), "model").totals.priced_calls == len(FLEET + LOOP),
                       timeout=60, what="every call priced")
        yield Ops(service, receiver)
    finally:
        if service.process is not None and service.process.poll() is None:
            service.stop()
        receiver.close()
