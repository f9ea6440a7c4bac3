"""The Models page's comparison table and charts from the API's summary, series, cost breakdowns and quality cost."""

from __future__ import annotations

from datetime import datetime

from client.models.costs import CostBreakdown
from client.models.llm import Summary, Timeseries
from client.models.quality import QualityCost
from dashboard.figures import models as mf
from tests.helpers.wire import make

SUMMARY = make(Summary, by_model=[
    {"model": "gpt-4o", "requests": 40, "errors": 2, "error_rate": 0.05, "streamed_requests": 30,
     "latency_ms": {"p50": 400.0, "p95": 1200.0, "p99": 2500.0}, "ttft_ms": {"p50": 150.0, "p95": 300.0}},
    {"model": "llama-3-8b", "requests": 10, "errors": 0, "error_rate": 0.0,
     "latency_ms": {"p50": 90.0, "p95": 150.0, "p99": 200.0}},
])
COSTS = make(CostBreakdown, by=["model"], rows=[
    {"model": "gpt-4o", "cost": "0.5", "cost_per_request": "0.0125", "cost_per_1k_tokens": "0.0031"}])
PROVIDERS = make(CostBreakdown, by=["model", "provider"], rows=[
    {"model": "gpt-4o", "provider": "openai"}, {"model": "gpt-4o", "provider": "azure.ai.openai"},
    {"model": "llama-3-8b", "provider": "vllm"}])
QUALITY = make(QualityCost, by="model", evaluations=[
    {"series": "gpt-4o", "scores": 8, "good": 6, "cost": "0.1", "cost_per_good": "0.0166666667"}])
SERIES = make(Timeseries, since="2026-11-21T00:00:00Z", until="2026-11-21T03:00:00Z", step_seconds=3600, points=[
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "gpt-4o", "p95_latency_ms": 1100.0, "p95_ttft_ms": 280.0},
    {"bucket": "2026-11-21T02:00:00.000000000Z", "series": "gpt-4o", "p95_latency_ms": 1300.0},
    {"bucket": "2026-11-21T00:00:00.000000000Z", "series": "llama-3-8b", "p95_latency_ms": 140.0},
])


def test_one_row_per_model_with_exact_costs_and_what_is_not_known_as_a_dash():
    rows = mf.comparison_rows(SUMMARY, COSTS, mf.providers_by_model(PROVIDERS), QUALITY)
    gpt, llama = rows
    assert (gpt["model"], gpt["provider"], gpt["requests"], gpt["error rate"]) == (
        "gpt-4o", "azure.ai.openai, openai", "40", "5.0%")
    assert (gpt["p95"], gpt["TTFT p95"], gpt["streamed"]) == ("1.2 s", "300 ms", "30")
    # Exact money: $0.0125 a call is $12.50 per 1k calls, not rounded to $0.01.
    assert (gpt["spend"], gpt["per call"], gpt["per 1k calls"]) == ("$0.50", "$0.0125", "$12.50")
    assert (gpt["eval pass rate"], gpt["evaluations"], gpt["per passing eval"]) == ("75.0%", "8", "$0.0166666667")
    # No cost row, no evaluation, no streamed call: unknown, never zero.
    assert (llama["provider"], llama["spend"], llama["per 1k calls"], llama["eval pass rate"], llama["TTFT p95"]) == (
        "vllm", "–", "–", "–", "–")


def test_latency_lines_break_at_hours_without_calls_and_ttft_only_for_models_that_streamed():
    colors = mf.model_colors(SUMMARY)
    latency = {t.name: t for t in mf.latency_over_time(SERIES, colors).data}
    assert list(latency["gpt-4o"].x) == [datetime(2026, 11, 21, h) for h in (0, 1, 2)]
    assert list(latency["gpt-4o"].y) == [1100.0, None, 1300.0] and latency["gpt-4o"].connectgaps is False
    assert latency["gpt-4o"].line.color == colors["gpt-4o"] != colors["llama-3-8b"]
    assert [t.name for t in mf.ttft_over_time(SERIES, colors).data] == ["gpt-4o"]
    assert mf.has_ttft(SERIES) and not mf.has_ttft(make(Timeseries, step_seconds=60))


def test_cost_vs_latency_has_a_point_per_priced_model_sized_by_traffic():
    figure = mf.cost_vs_latency(SUMMARY, COSTS, mf.model_colors(SUMMARY))
    (point,) = figure.data
    assert (point.name, list(point.x), list(point.y)) == ("gpt-4o", [1200.0], [0.0125])
    assert point.marker.size == 40  # the busiest model: the largest marker
