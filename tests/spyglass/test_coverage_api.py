"""GET /api/v1/costs/coverage over a running service: the share of calls and tokens priced, by provider and
model, unpriced first, with the entry that would price them; the cost filters narrow it (and /costs/unpriced)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
import yaml

from client.api import ApiClient, Query
from pipelines.costs.job import run_cost_job
from pipelines.costs.rollup_job import run_rollup_job

CATALOG = 'entries:\n  - {id: a, provider: openai, models: [m-a], input: "1", output: "2"}\n'
CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model,
    input_tokens, output_tokens, team)
VALUES
({at:DateTime64(9, 'UTC')}, 't1', 's1', 'p', 'chat', 'openai', 'm-a', 1000, 500, 'ml'),
({at:DateTime64(9, 'UTC')}, 't2', 's2', 'p', 'chat', 'openai', 'm-a', 1000, 500, 'ml'),
({at:DateTime64(9, 'UTC')}, 't3', 's3', 'p', 'search', 'openai', 'unknown-x', 100, 50, 'web'),
({at:DateTime64(9, 'UTC')}, 't4', 's4', 'q', 'search', 'bedrock', 'us.acme.model-v1:0', 2000, 1000, 'web'),
({at:DateTime64(9, 'UTC')}, 't5', 's5', 'p', 'local', 'vllm', 'llama-3-8b', 100, 10, 'infra')
"""


@pytest.fixture
def priced(service_factory, tmp_path):
    catalog = tmp_path / "prices.yaml"
    catalog.write_text(CATALOG)
    running = service_factory(costs={"catalog_files": [str(catalog)], "interval_seconds": 3600})
    running.store.command(CALLS, {"at": (datetime.now(timezone.utc) - timedelta(minutes=5)).strftime(
        "%Y-%m-%d %H:%M:%S.%f")})
    run_cost_job(running.store, running.service.catalog_source.current(), datetime.now(timezone.utc),
                 safety_delay=timedelta(0))
    run_rollup_job(running.store, datetime.now(timezone.utc), safety_delay=timedelta(0))  # /costs/unpriced reads it
    return running


def test_coverage_shares_by_provider_and_model_with_the_entries_to_add(priced):
    with ApiClient(priced.api) as api:
        report = api.cost_coverage(Query(since="1h"))
    # vLLM is priced by GPU time: not counted. Tokens are input + output: 3000 priced of 3000 + 150 + 3000.
    assert (report.calls, report.priced_calls, str(report.share)) == (4, 2, "0.5")
    assert (report.tokens, report.priced_tokens, str(report.token_share)) == (6150, 3000, "0.4878")
    assert (report.self_hosted_calls, report.by_basis, str(report.cost)) == (1, {"provider": 2}, "0.004")
    assert [(m.provider, m.model, m.unpriced_calls, m.calls) for m in report.models] == [
        ("aws.bedrock", "us.acme.model-v1:0", 1, 1), ("openai", "unknown-x", 1, 1), ("openai", "m-a", 0, 2)]
    bedrock = report.models[0]
    [entry] = yaml.safe_load(bedrock.entry)
    assert (entry["provider"], entry["models"]) == ("aws.bedrock", ["acme.model-v1:0"])
    assert [r.calls for r in bedrock.reasons] == [1] and "acme.model-v1:0" in bedrock.reasons[0].reason
    assert report.models[2].entry is None and report.models[2].reasons == []
    assert [(p.provider, p.calls, str(p.share)) for p in report.providers] == [
        ("openai", 3, "0.6667"), ("aws.bedrock", 1, "0")]


@pytest.mark.parametrize("params, calls, priced_calls", [
    ({"team": "ml"}, 2, 2), ({"team": "web"}, 2, 0), ({"project": "q"}, 1, 0), ({"provider": "openai"}, 3, 2),
    ({"service": "search", "team": "web"}, 2, 0), ({"model": "m-a"}, 2, 2),
])
def test_the_cost_filters_narrow_coverage(priced, params, calls, priced_calls):
    body = httpx.get(f"{priced.api}/api/v1/costs/coverage", params={"since": "1h", **params}, timeout=30).json()
    assert (body["calls"], body["priced_calls"]) == (calls, priced_calls)


def test_unpriced_calls_take_the_cost_filters_too(priced):
    def unpriced(**params) -> list[str]:
        body = httpx.get(f"{priced.api}/api/v1/costs/unpriced", params={"since": "1h", **params}, timeout=30).json()
        return sorted(g["model"] for g in body["groups"])

    # The vLLM call is unpriced too: no GPU host sent samples for it, so it has no GPU time to be priced by.
    assert unpriced() == ["llama-3-8b", "unknown-x", "us.acme.model-v1:0"]
    assert unpriced(team="ml") == [] and unpriced(project="q") == ["us.acme.model-v1:0"]
    assert unpriced(team="infra") == ["llama-3-8b"] and unpriced(provider="openai") == ["unknown-x"]
