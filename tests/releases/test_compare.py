"""The pure comparison of two versions' frames: what makes a verdict fail, pass, marginal or insufficient; the
false-positive rate on identical distributions; exact money; the JSON round trip."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from releases.compare import Judge, compare
from releases.comparison import Comparison
from releases.metrics import METRICS, empty_frame
from tests.helpers.release_frames import calls_frame


def test_slower_tail_and_costlier_calls_fail_naming_exactly_those_metrics():
    seed = 11
    baseline = calls_frame(np.random.default_rng(seed), 600)
    # The same calls, the slowest tenth 30 % slower and every call priced 20 % higher.
    candidate = calls_frame(np.random.default_rng(seed), 600, tail=1.3, price="1.2")
    result = compare(baseline, candidate)
    assert result.verdict == "fail"
    assert set(result.worse) == {"latency_p95", "cost_per_request"}
    p95 = result.metric("latency_p95")
    assert p95.relative_difference == pytest.approx(0.3, abs=0.01) and p95.critical
    assert p95.ci_low > 0 and p95.p_value_corrected < 0.05
    assert result.metric("latency_p50").outcome == "no_significant_change"
    assert any("p95 latency" in reason for reason in result.reasons)


def test_cost_per_request_is_exact_decimal_from_the_calls():
    baseline = calls_frame(np.random.default_rng(2), 200)
    candidate = calls_frame(np.random.default_rng(2), 200, price="1.2")
    cost = compare(baseline, candidate).metric("cost_per_request")
    expected = (baseline["cost"].sum() / 200).quantize(Decimal("1e-12"))
    assert isinstance(cost.baseline, Decimal) and cost.baseline == expected
    assert cost.candidate == (candidate["cost"].sum() / 200).quantize(Decimal("1e-12"))
    assert cost.difference == cost.candidate - cost.baseline
    assert isinstance(cost.ci_low, Decimal) and cost.ci_low < cost.difference < cost.ci_high
    assert cost.outcome == "worse" and cost.relative_difference == pytest.approx(0.2)


def test_identical_distributions_pass_at_least_95_percent_of_the_time():
    seeds = 200
    verdicts = [compare(calls_frame(rng, 400, pass_rate=0.9), calls_frame(rng, 400, pass_rate=0.9)).verdict
                for rng in (np.random.default_rng(1000 + seed) for seed in range(seeds))]
    false_positives = sum(v != "pass" for v in verdicts)
    print(f"\nidentical distributions: {false_positives} of {seeds} not pass "
          f"(false-positive rate {false_positives / seeds:.1%})")
    assert "insufficient_data" not in verdicts
    assert false_positives / seeds <= 0.05


def test_too_few_calls_is_insufficient_data_never_pass():
    rng = np.random.default_rng(5)
    result = compare(calls_frame(rng, 40), calls_frame(rng, 40))
    assert result.verdict == "insufficient_data"
    p95 = result.metric("latency_p95")
    assert (p95.outcome, p95.baseline_n, p95.min_samples) == ("insufficient_data", 40, 100)
    assert p95.p_value is None and "100 per side" in p95.note
    assert any("p95 latency lacks data" in reason for reason in result.reasons)


def test_no_calls_on_one_side_is_insufficient_data():
    result = compare(calls_frame(np.random.default_rng(6), 500), empty_frame())
    assert result.verdict == "insufficient_data" and result.candidate_calls == 0


def test_a_critical_metric_measured_on_one_side_only_lacks_data():
    rng = np.random.default_rng(7)
    result = compare(calls_frame(rng, 400, pass_rate=0.9), calls_frame(rng, 400))  # the candidate lost its evals
    assert result.verdict == "insufficient_data"
    assert result.metric("quality_pass_rate").candidate_n == 0


def test_metrics_neither_side_measured_are_left_out_of_the_verdict():
    rng = np.random.default_rng(8)
    result = compare(calls_frame(rng, 400, ttft=False), calls_frame(rng, 400, ttft=False))
    assert result.verdict == "pass" and result.score == 100
    assert result.metric("ttft_p95").outcome == "insufficient_data"
    assert result.metric("quality_pass_rate").note == "no observations on either side"


def test_a_quality_drop_fails_and_a_quality_gain_is_better():
    rng = np.random.default_rng(9)
    worse = compare(calls_frame(rng, 800, pass_rate=0.95), calls_frame(rng, 800, pass_rate=0.80))
    assert worse.verdict == "fail" and worse.worse == ("quality_pass_rate",)
    better = compare(calls_frame(rng, 800, pass_rate=0.80), calls_frame(rng, 800, pass_rate=0.95))
    assert better.verdict == "pass" and better.metric("quality_pass_rate").outcome == "better"


def test_more_errors_fail_and_fewer_are_better():
    rng = np.random.default_rng(10)
    worse = compare(calls_frame(rng, 1000, error_rate=0.01), calls_frame(rng, 1000, error_rate=0.06))
    errors = worse.metric("error_rate")
    assert worse.verdict == "fail" and errors.outcome == "worse" and errors.method == "two_proportion_z"
    better = compare(calls_frame(rng, 1000, error_rate=0.06), calls_frame(rng, 1000, error_rate=0.01))
    assert better.metric("error_rate").outcome == "better" and better.verdict == "pass"


def test_a_non_critical_metric_worse_is_marginal_with_the_score_of_the_weights():
    rng = np.random.default_rng(12)
    baseline = calls_frame(rng, 600)
    candidate = calls_frame(rng, 600).with_columns(pl.col("output_tokens") * 2)
    result = compare(baseline, candidate)
    assert result.worse == ("output_tokens_per_request",)
    judged = [m for m in result.metrics if m.outcome != "insufficient_data"]
    expected = 100 * sum(m.weight for m in judged if m.outcome != "worse") / sum(m.weight for m in judged)
    assert result.score == pytest.approx(round(expected, 1))
    assert result.verdict == "marginal" and 75 <= result.score < 95


def test_a_significant_change_below_the_practical_minimum_is_no_change():
    rng = np.random.default_rng(13)
    n = 20_000
    baseline = calls_frame(rng, n)
    candidate = baseline.with_columns(pl.col("latency_ms") * 1.04)  # 4 %: below the 10 % minimum
    p50 = compare(baseline, candidate).metric("latency_p50")
    assert p50.outcome == "no_significant_change" and p50.p_value_corrected < 0.05
    assert "practical minimum" in p50.note


def test_the_same_data_gets_the_same_verdict():
    rng = np.random.default_rng(14)
    baseline, candidate = calls_frame(rng, 300), calls_frame(rng, 300, tail=1.2)
    assert compare(baseline, candidate) == compare(baseline, candidate)


def test_json_round_trip_keeps_every_value_and_its_type():
    rng = np.random.default_rng(15)
    result = replace(compare(calls_frame(rng, 300, pass_rate=0.9), calls_frame(rng, 300, price="1.5")),
                     by="service_version", baseline="1.4.0", candidate="1.5.0")
    again = Comparison.from_json(result.to_json())
    assert again == result
    assert isinstance(again.metric("cost_per_request").baseline, Decimal)


def test_a_frame_without_a_column_is_refused():
    with pytest.raises(ValueError, match="lacks cost"):
        compare(calls_frame(np.random.default_rng(1), 10).drop("cost"), empty_frame())


def test_a_judge_with_other_thresholds_applies_them():
    rng = np.random.default_rng(16)
    baseline = calls_frame(rng, 600)
    candidate = calls_frame(rng, 600).with_columns(pl.col("output_tokens") * 2)
    strict = Judge(marginal_score=99.0)
    assert compare(baseline, candidate, strict).verdict == "fail"
    assert all(spec.min_samples > 0 and spec.min_effect > 0 for spec in METRICS)
