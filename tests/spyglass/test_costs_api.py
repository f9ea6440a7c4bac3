"""The costs API over a running service: breakdowns with unit economics, drill-down, series,
unpriced calls, budgets, the catalog in use, reprice through the API, bad parameters."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from pipelines.costs.job import run_cost_job
from pipelines.costs.rollup_job import run_rollup_job
from tests.helpers.cli import spyglass

CATALOG = """entries:
  - {{id: a, provider: openai, models: [m-a], input: "{a_input}", output: "2"}}
  - {{id: b, provider: openai, models: [m-b], input: "3", output: "4"}}
"""
CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model,
    input_tokens, output_tokens, status, team, feature, user_id)
VALUES
({at:DateTime64(9, 'UTC')}, 't1', 's1', 'p', 'chat', 'openai', 'm-a', 1000, 500, 'ok', 'ml', 'chat', 'u1'),
({at:DateTime64(9, 'UTC')}, 't2', 's2', 'p', 'chat', 'openai', 'm-a', 1000, 500, 'error', 'ml', 'chat', 'u2'),
({at:DateTime64(9, 'UTC')}, 't3', 's3', 'p', 'search', 'openai', 'm-b', 1000, 500, 'ok', 'web', 'search', 'u1'),
({at:DateTime64(9, 'UTC')}, 't4', 's4', 'p', 'search', 'openai', 'unknown-x', 100, 10, 'ok', 'web', 'search', 'u3'),
({at:DateTime64(9, 'UTC')}, 't5', 's5', 'p', 'local', 'vllm', 'llama-3-8b', 100, 10, 'ok', 'infra', 'batch', '')
"""


def write_catalog(path, a_input: str, stamp: int) -> None:
    path.write_text(CATALOG.format(a_input=a_input))
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def costs(service_factory, tmp_path):
    catalog = tmp_path / "prices.yaml"
    write_catalog(catalog, "1", 1)
    running = service_factory(costs={"catalog_files": [str(catalog)], "interval_seconds": 3600, "budgets": [
        {"name": "ml", "scope": "team", "value": "ml", "monthly": "0.005", "soft": "0.5"},
        {"name": "web", "scope": "team", "value": "web", "monthly": "1"}]})
    now = datetime.now(timezone.utc)
    at = max(now - timedelta(minutes=1), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    running.store.command(CALLS, {"at": at.strftime("%Y-%m-%d %H:%M:%S.%f")})
    # priced_at is the row version, so price at the real time (a later reprice must win).
    run_cost_job(running.store, running.service.catalog_source.current(), datetime.now(timezone.utc),
                 safety_delay=timedelta(0))
    run_rollup_job(running.store, datetime.now(timezone.utc), safety_delay=timedelta(0))
    running.catalog_path = catalog
    return running


def get(service, path: str, **params) -> httpx.Response:
    return httpx.get(f"{service.api}{path}", params={"since": "now-2d", **params}, timeout=30)


def test_breakdown_by_team_with_unit_economics(costs):
    body = get(costs, "/api/v1/costs/breakdown", by="team", users="true").json()
    rows = {r["team"]: r for r in body["rows"]}
    # ml: 2 calls of m-a at 1000 x 1 + 500 x 2 per million = 0.002 each; one failed.
    ml = rows["ml"]
    assert (ml["cost"], ml["calls"], ml["successful_calls"], ml["users"]) == ("0.004", 2, 1, 2)
    assert ml["cost_per_request"] == "0.002" and ml["cost_per_successful_request"] == "0.004"
    assert ml["cost_per_1k_tokens"] == "0.001333333333" and ml["cost_per_user"] == "0.002"
    # web: m-b 1000 x 3 + 500 x 4 = 0.005, plus one unpriced call that adds no money.
    web = rows["web"]
    assert (web["cost"], web["calls"], web["unpriced_calls"], web["priced_calls"]) == ("0.005", 2, 1, 1)
    assert [r["team"] for r in body["rows"]] == ["web", "ml", "infra"], "costliest first"
    assert body["totals"]["cost"] == "0.009" and web["share"] == "0.5556"


def test_drill_down_into_a_team(costs):
    body = get(costs, "/api/v1/costs/breakdown", by="feature,model", team="ml").json()
    assert [(r["feature"], r["model"], r["cost"]) for r in body["rows"]] == [("chat", "m-a", "0.004")]


def test_timeseries_by_model_sums_to_the_total(costs):
    body = get(costs, "/api/v1/costs/timeseries", by="model").json()
    assert body["step_seconds"] % 3600 == 0
    by_model: dict[str, Decimal] = {}
    for p in body["points"]:
        by_model[p["group"]] = by_model.get(p["group"], Decimal(0)) + Decimal(p["cost"])
    assert by_model == {"m-a": Decimal("0.004"), "m-b": Decimal("0.005"), "unknown-x": Decimal(0),
                        "llama-3-8b": Decimal(0)}


def test_unpriced_calls_are_counted_with_their_reason(costs):
    body = get(costs, "/api/v1/costs/unpriced").json()
    # The vLLM call ran on a host that sends no GPU samples: neither a token price nor GPU time prices it.
    assert body["calls"] == 2 and body["self_hosted_calls"] == 0
    groups = {g["model"]: g for g in body["groups"]}
    assert groups["unknown-x"]["services"] == ["search"]
    assert groups["unknown-x"]["reason"] == ("no price entry for openai model unknown-x: add one with provider: openai, "
                                             "models: [unknown-x]")
    assert groups["llama-3-8b"]["reason"].startswith("self-hosted call on a host that sent no GPU samples")
    totals = get(costs, "/api/v1/costs/breakdown").json()["totals"]
    assert totals["unpriced_calls"] == body["calls"], "the tile and the breakdown count the same calls"


def test_budgets_month_to_date_and_states(costs):
    body = httpx.get(f"{costs.api}/api/v1/budgets", timeout=30).json()
    budgets = {b["name"]: b for b in body["budgets"]}
    assert budgets["ml"]["month_to_date"] == "0"  # cents: 0.004 rounds to 0.00, sent as plain decimal text
    assert budgets["ml"]["state"] == "ok" and budgets["web"]["remaining"] == "1"
    assert {"forecast_month_end", "forecast_state", "forecast_method"} <= set(budgets["ml"])


def test_reprice_through_the_api_after_a_catalog_edit(costs):
    before = httpx.get(f"{costs.api}/api/v1/costs/catalog", timeout=30).json()
    write_catalog(costs.catalog_path, "2", 2)
    now = datetime.now(timezone.utc)
    body = httpx.post(f"{costs.api}/api/v1/costs/reprice", timeout=30, json={
        "since": (now - timedelta(days=1)).isoformat(), "until": "now"}).json()
    # Only m-a changed: 1000 x 2 + 500 x 2 = 0.003 each.
    assert (body["repriced"], body["changed"]) == (5, 2)
    assert Decimal(body["total_before"]) == Decimal("0.009") and Decimal(body["total_after"]) == Decimal("0.011")
    after = httpx.get(f"{costs.api}/api/v1/costs/catalog", timeout=30).json()
    assert after["version"] != before["version"] and after["error"] == ""
    rows = {r["team"]: r for r in get(costs, "/api/v1/costs/breakdown", by="team").json()["rows"]}
    assert rows["ml"]["cost"] == "0.006" and rows["web"]["cost"] == "0.005"


def test_a_bad_catalog_edit_keeps_pricing_with_the_last_good_one(costs):
    good = httpx.get(f"{costs.api}/api/v1/costs/catalog", timeout=30).json()
    costs.catalog_path.write_text("entries: [ {id: broken")
    os.utime(costs.catalog_path, ns=(5, 5))
    status = httpx.get(f"{costs.api}/readyz", timeout=30).json()["price_catalog"]
    assert status["version"] == good["version"] and "not valid YAML" in status["error"]


@pytest.mark.parametrize("path, params, message", [
    ("/api/v1/costs/breakdown", {"by": "colour"}, "by:"),
    ("/api/v1/costs/breakdown", {"by": "team,team"}, "by:"),
    ("/api/v1/costs/timeseries", {"step": "1800"}, "step"),
    ("/api/v1/costs/timeseries", {"step": "5400"}, "whole number of hours"),
    ("/api/v1/costs/breakdown", {"since": "yesterday-ish"}, "since"),
])
def test_bad_parameters_are_400_with_a_message(costs, path, params, message):
    response = get(costs, path, **params)
    assert response.status_code == 400 and message in response.json()["error"]


def test_reprice_of_a_reversed_period_is_400(costs):
    response = httpx.post(f"{costs.api}/api/v1/costs/reprice", json={"since": "now", "until": "now-1h"}, timeout=30)
    assert response.status_code == 400 and "after" in response.json()["error"]


def test_the_reprice_verb_asks_the_running_service(costs, tmp_path):
    write_catalog(costs.catalog_path, "2", 3)
    result = spyglass("reprice", "--since", "now-1d", "--api-url", costs.api, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "repriced 5 calls" in result.stdout and "2 changed cost" in result.stdout
    assert "total 0.009 -> 0.011" in result.stdout


def test_the_reprice_verb_says_why_the_api_refused(costs, tmp_path):
    result = spyglass("reprice", "--since", "now", "--until", "now-1h", "--api-url", costs.api, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "reprice failed (400)" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_reprice_verb_without_a_service_is_one_line(tmp_path):
    result = spyglass("reprice", "--since", "now-1d", "--api-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot reach the Spyglass API" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_per_user_breakdown_and_cost_per_user(costs):
    rows = {r["user"]: r for r in get(costs, "/api/v1/costs/breakdown", by="user").json()["rows"]}
    # u1: one m-a call (0.002) and one m-b call (0.005); u2: one m-a call; u3: unpriced only.
    assert (rows["u1"]["cost"], rows["u1"]["calls"]) == ("0.007", 2)
    assert (rows["u2"]["cost"], rows["u3"]["cost"], rows["u3"]["unpriced_calls"]) == ("0.002", "0", 1)
    counted = get(costs, "/api/v1/costs/breakdown", by="user", users="true").json()
    per_user = {r["user"]: (r["users"], r["cost_per_user"]) for r in counted["rows"]}
    assert per_user["u1"] == (1, "0.007") and counted["totals"]["users"] == 3
    body = get(costs, "/api/v1/costs/breakdown", by="model", users="true").json()
    by_model = {r["model"]: r for r in body["rows"]}
    assert by_model["m-a"]["users"] == 2 and by_model["m-a"]["cost_per_user"] == "0.002"
    lean = get(costs, "/api/v1/costs/breakdown", by="model").json()["rows"]
    assert "users" not in lean[0] and lean[0]["cost_per_user"] is None and lean[0]["cost"] == "0.005"
