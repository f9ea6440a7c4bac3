"""`spyglass demo` end to end: the scheduled faults open their alerts through the shipped rules, a warning opens
an incident with its runbook pinned, the backfill's stale data opens none (silenced), and the DCGM stand-in is
scraped.

One test, because the demo is one slow thing to start: the shortest history the cost-spike baseline judges
(hour-of-day medians need three days, the noise a day more), a tenth of the fleet's traffic, live play at 30x,
and the API read until each expectation holds. Everything is read through the typed REST client.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from client.api import ApiClient, Query
from demo import fleet
from tests.helpers.service_process import free_port
from tests.helpers.wait import eventually

FAST = ["--alerts-evaluation-interval-seconds", "2", "--releases-canary-interval-seconds", "5",
        "--gpu-cost-interval-seconds", "5", "--costs-interval-seconds", "2", "--costs-rollup-interval-seconds", "2"]


@pytest.fixture
def demo(tmp_path):
    api_port = free_port()
    log = open(tmp_path / "demo.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "spyglass.cli", "demo", "--days", "4.2", "--scale", "0.1", "--speed", "30",
         "--no-dashboard", "--data-dir", str(tmp_path / "data"), "--otlp-http-port", str(free_port()),
         "--otlp-grpc-port", str(free_port()), "--api-port", str(api_port), "--log-level", "WARNING", *FAST],
        stdout=log, stderr=subprocess.STDOUT)
    api = ApiClient(f"http://127.0.0.1:{api_port}")
    try:
        yield api, tmp_path / "demo.log"
    finally:
        api.close()
        process.terminate()
        process.wait(60)


def _firing(api: ApiClient, rule: str) -> list[dict[str, str]]:
    return [a.labels for a in api.alerts(status=("firing",), rules=(rule,)).alerts]


# The demo backfills a week and its jobs catch up before the faults can fire: 130-180 s on a runner shared with the
# rest of the suite, close to the suite's 300 s limit per test; its own waits allow more.
@pytest.mark.timeout(600)
def test_the_faults_fire_their_alerts_a_warning_opens_an_incident_and_dcgm_is_scraped(demo):
    api, log = demo
    eventually(lambda: "backfilled" in log.read_text(errors="replace"), timeout=400, interval=2,
               what="the backfill")

    def expected_alerts():
        loop = [a for a in _firing(api, "cost-spike") if a["service"] == fleet.SUPPORT.name]
        unpriced = [a for a in _firing(api, "unpriced-model") if a["model"] == fleet.NEW_MODEL.name]
        canary = [a for a in _firing(api, "change-regression")
                  if (a["service"], a["version"]) == (fleet.CANARY_SERVICE, fleet.CANARY_NEW)]
        idle = [a for a in _firing(api, "gpu-idle") if a["host"] == fleet.IDLE_HOST]
        return (loop, unpriced, canary, idle) if loop and unpriced and canary and idle else None

    eventually(expected_alerts, timeout=300, interval=2, what="the faults' alerts firing")
    # Self-hosted calls are priced by GPU time: never "unpriced" for want of a token price.
    assert not [a for a in _firing(api, "unpriced-model") if a["provider"] == "vllm"]
    latency = api.alerts(rules=("latency-regression",)).alerts
    assert any(a.labels["provider"] == "anthropic" for a in latency)  # pending (for: 10m) or firing

    def spike_incident():
        return [i for i in api.incidents().incidents if i.runbook and i.runbook.id == "cost-spike"]

    [incident] = eventually(spike_incident, timeout=60, interval=2, what="an incident for the cost spike")
    detail = api.incident(incident.id)
    assert detail.runbook is not None and detail.steps  # the runbook's pinned version and its checklist
    assert any(a.rule == "cost-spike" and a.labels["service"] == fleet.SUPPORT.name for a in detail.alerts)

    # The backfill's hours-old data is what ingest-stopped alerts on: the demo silenced it meanwhile, so it paged
    # nobody and opened no incident; the silence ended with the backfill (a short one covers live play's start).
    assert not [i for i in api.incidents().incidents
                if "ingest-stopped" in i.group_key or (i.runbook and i.runbook.id == "ingest-stopped")]
    backfill_silence = [s for s in api.silences().silences if s.matchers == ['alertname="ingest-stopped"']]
    assert sorted(s.state for s in backfill_silence) == ["active", "expired"], backfill_silence

    def dcgm_gpus():
        gpus = api.gpu_fleet(Query(since="15m")).gpus
        return [g for g in gpus if g.host_name == fleet.DCGM_HOST and g.source == "dcgm"]

    assert len(eventually(dcgm_gpus, timeout=60, interval=2, what="the DCGM host's GPUs")) == fleet.GPU_COUNT
