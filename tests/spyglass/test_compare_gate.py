"""Comparing versions on a running service: traffic of two versions sent with the real OpenTelemetry SDK, priced by
a catalog the service loads, judged by GET /api/v1/compare and by `spyglass gate` (a child process, as a CI step
runs it)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from pipelines.costs.job import run_cost_job
from tests.helpers.cli import spyglass
from tests.helpers.release_traffic import CATALOG, latencies_ms, send_version, tokens
from tests.helpers.wait import eventually

N = 400
GATE = ("gate", "--service", "chat-api", "--by", "service_version", "--baseline", "1.0.0", "--candidate", "1.1.0",
        "--since", "1h")


def _stored(running, calls: int) -> None:
    eventually(lambda: running.count("llm_calls") >= calls, what=f"{calls} calls stored")
    run_cost_job(running.store, running.service.catalog_source.current(), datetime.now(timezone.utc),
                 safety_delay=timedelta(0))


@pytest.fixture
def canary(service_factory, tmp_path):
    """Version 1.1.0: the same calls as 1.0.0 (same token counts), its slowest tenth 30 % slower, on a model priced
    20 % higher."""
    catalog = tmp_path / "prices.yaml"
    catalog.write_text(CATALOG)
    running = service_factory(costs={"catalog_files": [str(catalog)], "interval_seconds": 3600})
    input_tokens, output_tokens = tokens(N, seed=7)
    send_version(running, "chat-api", "1.0.0", "model-a", latencies_ms(N, seed=7), input_tokens, output_tokens)
    send_version(running, "chat-api", "1.1.0", "model-b", latencies_ms(N, seed=7, tail=1.3), input_tokens,
                 output_tokens)
    _stored(running, 2 * N)
    return running


@pytest.fixture
def trickle(service_factory):
    """Twenty calls of each version: too few to judge."""
    running = service_factory()
    input_tokens, output_tokens = tokens(20, seed=3)
    for version in ("1.0.0", "1.1.0"):
        send_version(running, "chat-api", version, "gpt-4o", latencies_ms(20, seed=3), input_tokens, output_tokens)
    eventually(lambda: running.count("llm_calls") >= 40, what="40 calls stored")
    return running


def compare(running, **params) -> httpx.Response:
    query = {"by": "service_version", "baseline": "1.0.0", "candidate": "1.1.0", "service": "chat-api",
             "since": "1h", **params}
    return httpx.get(f"{running.api}/api/v1/compare", params={k: v for k, v in query.items() if v is not None},
                     timeout=60)


def test_a_slower_and_costlier_candidate_fails_naming_exactly_those_metrics(canary):
    body = compare(canary).json()
    assert body["verdict"] == "fail", body["reasons"]
    assert set(body["worse"]) == {"latency_p95", "cost_per_request"}
    assert (body["baseline_calls"], body["candidate_calls"]) == (N, N)
    metrics = {m["name"]: m for m in body["metrics"]}
    cost = metrics["cost_per_request"]
    assert isinstance(cost["baseline"], str) and isinstance(cost["ci_low"], str)
    assert Decimal(cost["candidate"]) / Decimal(cost["baseline"]) == pytest.approx(Decimal("1.2"), abs=1e-9)
    assert metrics["latency_p95"]["relative_difference"] == pytest.approx(0.3, abs=0.02)
    assert metrics["latency_p50"]["outcome"] == "no_significant_change"
    assert metrics["error_rate"]["outcome"] == "no_significant_change"
    assert body["candidate_since"] == body["baseline_since"]


def test_the_gate_exits_1_with_the_table(canary):
    result = spyglass(*GATE, "--api-url", canary.api)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("service_version 1.0.0 -> 1.1.0: verdict FAIL")
    worse = [line for line in lines if line.rstrip().endswith(("worse", "worse (critical)"))]
    assert [line.split(" (")[0] for line in worse] == ["p95 latency", "cost per request"]
    assert lines[-1] == "gate: fail (exit 1)"


def test_the_gate_names_the_limits_exceeded_in_json(canary):
    result = spyglass(*GATE, "--max-cost-increase", "5%", "--max-p95-increase", "50%", "--format", "json",
                      "--api-url", canary.api)
    assert result.returncode == 1, result.stderr
    answer = json.loads(result.stdout)
    assert answer["gate"] == "fail" and answer["comparison"]["verdict"] == "fail"
    assert len(answer["limits_exceeded"]) == 1 and "--max-cost-increase 5%" in answer["limits_exceeded"][0]


def test_too_few_calls_is_insufficient_data_and_the_gate_exits_2_after_its_wait(trickle):
    body = compare(trickle).json()
    assert body["verdict"] == "insufficient_data"
    assert {m["name"]: m["outcome"] for m in body["metrics"]}["latency_p95"] == "insufficient_data"
    started = time.monotonic()
    result = spyglass(*GATE, "--wait", "3s", "--api-url", trickle.api)
    assert result.returncode == 2, result.stderr
    assert time.monotonic() - started >= 3
    assert result.stdout.splitlines()[-1] == "gate: insufficient_data (exit 2)"


@pytest.mark.parametrize(("params", "message"), [
    ({"by": "colour"}, "by: 'colour' is not one of service_version, prompt_version, model, provider"),
    ({"candidate": None}, "candidate: Field required"),
    ({"baseline_since": "yesterday"}, "baseline_since: 'yesterday' is neither RFC 3339"),
    ({"prompt": "x"}, "unknown parameter 'prompt'"),
])
def test_bad_requests_are_400_with_a_message(trickle, params, message):
    response = compare(trickle, **params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_gate_usage_and_connection_errors_exit_3(tmp_path):
    missing = spyglass("gate", "--service", "chat-api", "--baseline", "1.0.0", cwd=tmp_path)
    assert missing.returncode == 3 and "--candidate" in missing.stderr
    bad = spyglass(*GATE, "--max-p95-increase", "ten", "--api-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert bad.returncode == 3 and bad.stderr.strip().count("\n") == 0 and "--max-p95-increase" in bad.stderr
    down = spyglass(*GATE, "--api-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert down.returncode == 3 and "cannot reach the Spyglass API" in down.stderr
    assert "Traceback" not in down.stderr + bad.stderr
