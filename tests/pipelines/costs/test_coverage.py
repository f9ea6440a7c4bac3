"""Price coverage: the store query over real cost rows, and the report folded from it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import yaml

from pipelines.costs.catalog import load_shipped
from pipelines.costs.coverage import coverage, entry_sketch
from pipelines.costs.job import run_cost_job
from pipelines.costs.model_names import missing_entry
from store.queries.coverage import coverage_rows
from store.queries.filters import Filters
from tests.helpers.calls import T0, insert_call

MISSING = "no price entry for openai model mystery: add one with provider: openai, models: [mystery]"


def _row(provider, model, priced, calls, cost="0", basis="provider", reason="", scope="", tokens=0):
    return {"provider": provider, "model": model, "scope_name": scope, "price_basis": basis if priced else "",
            "priced": priced, "reason": reason, "calls": calls, "input_tokens": tokens, "output_tokens": tokens // 2,
            "cost": D(cost)}


def test_the_report_counts_shares_bases_and_gaps() -> None:
    report = coverage([
        _row("openai", "gpt-4o", True, 6, "0.06", tokens=600),
        _row("openai", "anthropic/claude-sonnet-4.5", True, 2, "0.02", basis="vendor", tokens=200),
        _row("openai", "mystery", False, 1, reason=MISSING, tokens=1200),
        _row("anthropic", "claude-sonnet-4-5", False, 1, reason="inconsistent tokens: cache_exceeds_input",
             scope="my.instrumentation", tokens=200),
        _row("vllm", "llama-3-8b", False, 5, reason="no price entry for vllm model llama-3-8b: ...", tokens=50),
    ], self_hosted=["vLLM"])
    assert (report.calls, report.priced_calls, report.share, report.cost) == (10, 8, D("0.8000"), D("0.08"))
    # tokens are input + output: 900 + 300 priced of 900 + 300 + 1800 + 300
    assert (report.tokens, report.priced_tokens, report.token_share) == (3300, 1200, D("0.3636"))
    assert report.by_basis == {"provider": 6, "vendor": 2} and report.self_hosted_calls == 5
    assert [(p.provider, p.calls, p.priced_calls, str(p.share)) for p in report.providers] == [
        ("openai", 9, 8, "0.8889"), ("anthropic", 1, 0, "0.0000")]
    assert [(g.provider, g.model, g.reason, g.calls) for g in report.missing] == [("openai", "mystery", MISSING, 1)]
    [flagged] = report.inconsistent
    assert (flagged.scope_name, flagged.reason) == ("my.instrumentation", "inconsistent tokens: cache_exceeds_input")
    # Models: unpriced first; only a model no entry prices gets an entry sketched.
    assert [(m.provider, m.model, m.unpriced_calls, str(m.token_share)) for m in report.models] == [
        ("anthropic", "claude-sonnet-4-5", 1, "0.0000"), ("openai", "mystery", 1, "0.0000"),
        ("openai", "gpt-4o", 0, "1.0000"), ("openai", "anthropic/claude-sonnet-4.5", 0, "1.0000")]
    flagged_model, mystery = report.models[:2]
    assert flagged_model.entry is None and [r.reason for r in flagged_model.reasons] == [flagged.reason]
    assert yaml.safe_load(mystery.entry) == [{"id": "openai-mystery", "provider": "openai", "models": ["mystery"],
                                              "input": "<USD per million input tokens>",
                                              "output": "<USD per million output tokens>",
                                              "source": "<where the price is published>"}]


def test_the_sketched_entry_is_the_one_the_reason_names() -> None:
    bedrock = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    [entry] = yaml.safe_load(entry_sketch("bedrock", bedrock))
    assert (entry["provider"], entry["models"]) == ("aws.bedrock", ["anthropic.claude-haiku-4-5-20251001-v1:0"])
    assert f"provider: aws.bedrock, models: [{entry['models'][0]}]" in missing_entry("bedrock", bedrock)
    [azure] = yaml.safe_load(entry_sketch("azure", "prod-4o", {"prod-4o": "gpt-4o-2024-08-06"}))
    assert (azure["provider"], azure["models"]) == ("azure.ai.openai", ["gpt-4o-2024-08-06"])
    assert entry_sketch("openai", "") is None


def test_no_calls_means_nothing_is_missing() -> None:
    report = coverage([])
    assert (report.calls, report.share, report.missing, report.providers) == (0, D("1.0000"), [], [])


def test_the_store_query_groups_the_latest_cost_rows(store) -> None:
    insert_call(store, "s1", T0)
    insert_call(store, "s2", T0, model="anthropic/claude-sonnet-4.5")
    insert_call(store, "s3", T0, model="mystery")
    insert_call(store, "s4", T0, model="mystery", at=T0 + timedelta(days=2))  # outside the range
    run_cost_job(store, load_shipped(), T0 + timedelta(seconds=5))
    rows = coverage_rows(store, Filters(T0 - timedelta(hours=1), T0 + timedelta(hours=1)))
    report = coverage(rows)
    # gpt-4o: 800 x 2.50 + 200 x 1.25 + 400 x 10 + 100 x 10; claude-sonnet-4-5 by the vendor's list price:
    # 800 x 3 + 200 x 0.30 + 400 x 15 + 100 x 15 (per million).
    assert (report.calls, report.priced_calls, report.cost) == (3, 2, D("0.00725") + D("0.00996"))
    assert report.by_basis == {"provider": 1, "vendor": 1}
    assert [(g.model, g.reason, g.calls) for g in report.missing] == [("mystery", MISSING, 1)]
