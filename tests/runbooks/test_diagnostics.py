"""Every shipped runbook's diagnostics on a real store populated as it is when its alert fires, the answers
a responder reads first, and the results that say why a query did not run instead of failing the others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from runbooks.diagnostics import DiagnosticResult, run_diagnostics
from runbooks.document import parse
from runbooks.library import load
from store import Store, open_store
from store.queries.diagnostics import MAX_ROWS
from store.queries.quality import QualityRules
from tests.helpers import incident_data as d
from tests.helpers.runbook_files import runbook_text
from tests.helpers.stores import drop_database, migrated_database

# One worker builds the module's seeded fixture once (pytest-xdist would build it on every worker it sends a test to).
pytestmark = pytest.mark.xdist_group("diagnostics")

# The labels each shipped rule's alerts carry (the detectors' label sets), with values from the populated store.
LABELS = {
    "cost-spike": {"project": d.PROJECT, "service": d.SERVICE},
    "budget-forecast": {"budget": "search-monthly", "scope": "team", "team": "search"},
    "latency-regression": {"provider": "openai", "model": d.SPIKE_MODEL},
    "ttft-regression": {"provider": "openai", "model": d.SPIKE_MODEL},
    "slo-burn": {"service": d.SERVICE, "burn_window": "1h/5m"},
    "gpu-idle": {"host": d.GPU_HOST},
    "gpu-saturation": {"host": d.GPU_HOST, "gpu": d.HOT_GPU},
    "input-drift": {"project": d.PROJECT, "service": d.SERVICE, "model": d.SPIKE_MODEL, "feature": "summarise"},
    "quality-drop": {"service": d.SERVICE, "model": d.SPIKE_MODEL, "score": d.EVAL},
    "unpriced-model": {"provider": "openai", "model": d.UNPRICED_MODEL},
    "ingest-stopped": {"subject": "service", "project": d.PROJECT, "service": d.QUIET},
    "change-regression": {"service": d.SERVICE, "model": d.SPIKE_MODEL},
}


@pytest.fixture(scope="module")
def populated(chdb_dir) -> Iterator[Store]:
    """One store for the module's read-only tests."""
    s = migrated_database("chdb", chdb_dir)
    opened = open_store(str(chdb_dir), None, s["database"])
    d.populate(opened)
    yield opened
    opened.close()
    drop_database(chdb_dir, None, s["database"])


def results(store: Store, runbook_id: str, **kw) -> dict[str, DiagnosticResult]:
    runbook = load().get(runbook_id)
    return {r.query: r for r in run_diagnostics(store, runbook, LABELS[runbook_id], d.SINCE, d.UNTIL, **kw)}


def row(result: DiagnosticResult, index: int = 0) -> dict:
    return dict(zip(result.columns, result.rows[index], strict=True))


@pytest.mark.parametrize("runbook_id", list(LABELS))
def test_every_shipped_runbooks_diagnostics_answer_on_a_populated_store(populated, runbook_id):
    answers = run_diagnostics(populated, load().get(runbook_id), LABELS[runbook_id], d.SINCE, d.UNTIL)
    assert [a.query for a in answers] == [ref.query for ref in load().get(runbook_id).meta.diagnostics]
    for answer in answers:
        assert (answer.status, answer.message) == ("ok", ""), answer.query
        assert answer.rows and len(answer.rows) <= MAX_ROWS, f"{runbook_id}: {answer.query} found nothing"
        json.dumps(answer.as_json())  # what an incident stores: JSON-safe


def test_cost_spike_names_the_model_feature_and_user_that_drove_the_spend(populated):
    found = results(populated, "cost-spike")
    by_model = row(found["spend_by_model"])
    assert (by_model["model"], by_model["change_usd"], by_model["calls_now"], by_model["calls_week_before"]) == \
        (d.SPIKE_MODEL, 2 * (d.SPIKE_PER_HOUR - d.USUAL_PER_HOUR), 200, 100)
    assert (by_model["tokens_per_call"], by_model["tokens_per_call_week_before"]) == (4000, 1500)
    assert row(found["spend_by_feature"])["feature"] == "summarise"
    assert (row(found["spend_by_user"])["user_id"], row(found["spend_by_user"])["change_usd"]) == \
        (d.HEAVY_USER, Decimal("8.4"))
    assert (row(found["errors_by_type"])["error_type"], row(found["errors_by_type"])["errors_n"]) == ("timeout", 10)


def test_latency_and_ttft_point_at_the_slow_server_address(populated):
    latency = row(results(populated, "latency-regression")["latency_by_provider_host"])
    assert (latency["server_address"], latency["response_model"], latency["p95_ms"], latency["p95_ms_day_before"]) \
        == (d.SLOW_HOST, "gpt-4o-2024-08-06", 2000, 500)
    ttft = row(results(populated, "ttft-regression")["ttft_by_model"])
    assert (ttft["server_address"], ttft["p95_ms"], ttft["p95_ms_day_before"]) == (d.SLOW_HOST, 900, 150)


def test_slo_burn_reports_the_burn_rate_of_a_99_percent_objective(populated):
    budget = row(results(populated, "slo-burn")["error_budget_by_service"])
    assert (budget["calls_now"], budget["errors_now"], budget["error_ratio"], budget["burn_rate_at_99"]) == \
        (80, 10, 0.125, 12.5)


def test_gpu_runbooks_show_idle_dollars_and_the_saturated_gpu(populated):
    idle = results(populated, "gpu-idle")
    cost = row(idle["gpu_cost_by_host"])
    assert (cost["idle_usd"], cost["gpu_cost_usd"], cost["idle_share"]) == (Decimal("7"), Decimal("8.4"), 0.833)
    gpus = {r["gpu_uuid"]: r for r in (row(idle["gpu_utilisation"], i) for i in range(2))}
    assert (gpus[d.HOT_GPU]["mean_utilization"], gpus[d.HOT_GPU]["peak_memory_used"]) == (0.99, 0.988)
    assert gpus[d.IDLE_GPU]["mean_utilization"] == 0.02
    assert row(idle["gpu_host_calls"])["model"] == d.SELF_HOSTED


def test_drift_and_quality_runbooks_show_what_changed(populated):
    drifted = row(results(populated, "input-drift")["drifted_features"])
    assert (drifted["compared"], drifted["drifted"], drifted["reference_mean"], drifted["current_mean"]) == \
        ("input_tokens", True, 1500, 4000)
    quality = results(populated, "quality-drop")
    by_model = row(quality["quality_by_model"])
    assert (by_model["good_share"], by_model["good_share_week_before"]) == (0.4, 0.9)
    assert row(quality["worst_scores"])["comment"] == "cites the wrong order"


def test_the_quality_rules_of_the_service_decide_what_counts_as_good(populated):
    lenient = QualityRules(pass_labels=("pass", "fail"))
    assert row(results(populated, "quality-drop", quality=lenient)["quality_by_model"])["good_share"] == 1.0


def test_unpriced_and_ingest_runbooks_name_the_missing_price_and_the_silent_service(populated):
    unpriced = row(results(populated, "unpriced-model")["unpriced_calls"])
    assert (unpriced["model"], unpriced["reason"], unpriced["calls_n"]) == (d.UNPRICED_MODEL, d.UNPRICED_REASON, 6)
    ingest = results(populated, "ingest-stopped")
    assert (row(ingest["ingest_by_service"])["service_name"], row(ingest["ingest_by_service"])["calls_day_before"]) \
        == (d.QUIET, 1)
    assert row(ingest["ingest_by_signal"])["last_row"] == d.SINCE.replace(minute=10)


def test_a_required_label_the_alert_lacks_skips_that_query_only(populated):
    answers = {a.query: a for a in run_diagnostics(populated, load().get("gpu-idle"), {}, d.SINCE, d.UNTIL)}
    assert (answers["gpu_host_calls"].status, answers["gpu_host_calls"].message) == \
        ("skipped", "not available: the alert has no labels.host")
    assert answers["gpu_cost_by_host"].status == "ok"


def test_results_are_json_safe_money_as_text_times_as_rfc3339_nan_as_null(populated):
    slo = results(populated, "slo-burn")["latency_by_provider_host"].as_json()
    self_hosted = next(r for r in slo["rows"] if r[0] == "vllm")
    assert self_hosted[slo["columns"].index("p95_ms_day_before")] is None  # no calls the day before: NaN
    spend = results(populated, "cost-spike")["spend_by_model"].as_json()
    assert spend["rows"][0][spend["columns"].index("change_usd")] == "50"
    errors = results(populated, "cost-spike")["errors_by_type"].as_json()
    assert errors["rows"][0][errors["columns"].index("first_error")] == "2026-11-20T10:00:00Z"
    assert errors["params"] == {"project": d.PROJECT, "service": d.SERVICE}


def test_a_failing_query_is_an_error_result_and_the_others_still_run(store):
    d.populate(store)
    store.command("DROP TABLE drift_feature_results")
    answers = {a.query: a for a in run_diagnostics(store, load().get("input-drift"), LABELS["input-drift"],
                                                   d.SINCE, d.UNTIL)}
    assert answers["drifted_features"].status == "error"
    assert answers["drifted_features"].message.startswith("QueryError: ")
    assert answers["quality_by_model"].status == "ok" and answers["quality_by_model"].rows


def test_calls_by_version_names_the_version_first_seen_in_the_window(store):
    d.populate(store)
    store.command("ALTER TABLE llm_calls UPDATE service_version = if(timestamp >= {since:DateTime64(9, 'UTC')}, "
                  "'2.4.1', '2.4.0'), prompt_version = 'p7' WHERE 1 SETTINGS mutations_sync = 1",
                  {"since": d.SINCE.strftime("%Y-%m-%d %H:%M:%S")})
    [answer] = [a for a in run_diagnostics(store, load().get("change-regression"), LABELS["change-regression"],
                                           d.SINCE, d.UNTIL) if a.query == "calls_by_version"]
    assert answer.status == "ok"
    newest = row(answer)
    assert (newest["service_version"], newest["first_seen"], newest["errors_now"]) == ("2.4.1", d.SINCE, 10)


def test_rows_are_capped_and_a_query_this_release_lacks_is_skipped(store):
    d.populate(store)
    many = [{**d.error_call(i), "error_type": f"E{i:02d}"} for i in range(MAX_ROWS + 5)]
    d.insert_calls(store, many)
    [errors] = run_diagnostics(store, _runbook_with("errors_by_type"), {}, d.SINCE, d.UNTIL)
    assert len(errors.rows) == MAX_ROWS
    [retired] = run_diagnostics(store, _runbook_with("retired_query"), {}, d.SINCE, d.UNTIL)
    assert (retired.status, retired.message) == ("skipped", "not available: this release has no diagnostic query "
                                                            "named retired_query")


def _runbook_with(query: str):
    text = runbook_text("probe").replace("query: spend_by_model", f"query: {query}") \
        .replace(", service: labels.service", "")
    return parse(text, "probe.md", queries=None)
