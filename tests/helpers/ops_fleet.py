"""The seeded service of the Alerts and Incidents pages' browser tests (`ops`: a session fixture, registered as a
plugin by tests/conftest.py): `spyglass up` with its dashboard, keys, two sql rules and two receivers, fed LLM calls
through the real OpenTelemetry SDK, so that by the time a test runs:

- `agent-spend` (critical) fires for support-agent with the calls' trace ids in its evidence, and opened INC-1 with
  the shipped `cost-spike` runbook pinned;
- `chat-volume` (warning) fires for chat-api (the one the tests silence: muting it touches no incident);
- the critical group's notification to `pager` (a real receiver that answers 500, one attempt) is a dead letter,
  and the warning's to `ops` (the same server, answering 200) is delivered.

The service has a read key and an admin key; `spyglass up` gives the dashboard both, so the pages' writes go
through the same access rule as any client's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from client.api import ApiClient
from tests.helpers.fleet import FLEET, Call, send_fleet, wait_for_dashboard
from tests.helpers.receivers import Answer, Endpoint, Request
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

READ, ADMIN = "ops-read-key", "ops-admin-key"
AGENT, CHAT = "support-agent", "chat-api"
RULES = f"""rules:
  - name: agent-spend
    sql: |
      SELECT project, service_name AS service, toFloat64(count()) AS value, groupArray(3)(trace_id) AS traces
      FROM llm_calls FINAL WHERE service_name = '{AGENT}' GROUP BY project, service_name
    severity: critical
    runbook: cost-spike
    annotations:
      summary: "{{{{ $labels.service }}}} is calling in a loop"
  - name: chat-volume
    sql: |
      SELECT service_name AS service, toFloat64(count()) AS value
      FROM llm_calls FINAL WHERE service_name = '{CHAT}' GROUP BY service_name
    severity: warning
    annotations:
      summary: "{{{{ $labels.service }}}} is busy"
"""
LOOP = (Call("gpt-4o", "openai", 3000, 900, 400),) * 3


@dataclass(frozen=True)
class Ops:
    service: ServiceProcess
    receiver: Endpoint

    def client(self) -> ApiClient:
        return ApiClient(self.service.api, api_key=READ, admin_key=ADMIN)


def _answer(index: int, request: Request) -> Answer:
    return Answer(500, "pager is down") if request.path.startswith("/pager") else Answer(200)


def write_config(root: Path, receiver: str, scoped_keys: dict[str, list[str]] | None = None) -> None:
    """spyglass.yaml (read from the service's working directory) and the rule file: the route is an object, which
    the environment cannot carry. `scoped_keys`: read keys limited to projects, beside READ (every project)."""
    (root / "rules.yaml").write_text(RULES)
    alerts = {"shipped_rules": False, "rule_files": [str(root / "rules.yaml")], "evaluation_interval_seconds": 1,
              "route": {"receiver": "ops", "group_by": ["alertname"], "group_wait": "0s",
                        "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}]},
              "receivers": [{"name": "ops", "type": "webhook", "url": f"{receiver}/ops"},
                            {"name": "pager", "type": "webhook", "url": f"{receiver}/pager"}],
              "delivery_max_attempts": 1, "delivery_poll_seconds": 1}
    read_keys = {READ: "*", **scoped_keys} if scoped_keys else [READ]
    (root / "spyglass.yaml").write_text(yaml.safe_dump({"read_keys": read_keys, "admin_keys": [ADMIN],
                                                        "alerts": alerts}))


@pytest.fixture(scope="session")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ops]:
    root = tmp_path_factory.mktemp("ops")
    receiver = Endpoint(_answer)
    write_config(root, receiver.url)
    service = ServiceProcess(root / "data", dashboard=True)
    try:
        service.start()
        send_fleet(service.otlp_http, calls=FLEET, age_s=600, resource={"service.name": CHAT})
        send_fleet(service.otlp_http, calls=LOOP, age_s=300, resource={"service.name": AGENT})
        with ApiClient(service.api, api_key=READ) as api:
            eventually(lambda: [i for i in api.incidents().incidents if i.runbook], timeout=60,
                       what="INC-1 opened with its runbook")
            eventually(lambda: {(n.receiver, n.state) for n in api.notifications().notifications}
                       >= {("ops", "delivered"), ("pager", "dead")}, timeout=60, what="one delivered, one dead")
        wait_for_dashboard(service.dashboard_url)
        yield Ops(service, receiver)
    finally:
        if service.process is not None and service.process.poll() is None:
            service.stop()
        receiver.close()
