"""Comparison of two versions (GET /api/v1/compare): per metric the baseline and candidate values, the difference
with its 95 % interval, the p-values and the outcome; a score (0-100) and a verdict.

Every metric value (baseline, candidate, difference, interval) is exact decimal text on the wire, money
(`unit` USD) as the store holds it and the other units as measured, so a table shows them as sent and a chart
converts them to floats. p-values and the relative difference are JSON numbers.
"""

from __future__ import annotations

from typing import Literal

from client.models.wire import DecimalText, Wire

CompareBy = Literal["service_version", "prompt_version", "model", "provider"]
Outcome = Literal["better", "no_significant_change", "worse", "insufficient_data"]
Verdict = Literal["pass", "marginal", "fail", "insufficient_data"]


class MetricComparison(Wire):
    name: str  # latency_p95, error_rate, cost_per_request, ...
    label: str  # "p95 latency"
    unit: Literal["ms", "share", "USD", "tokens"]  # a share is 0..1
    better: Literal["lower", "higher"]
    critical: bool  # worse fails the verdict on its own
    weight: float  # in the score
    baseline: DecimalText | None
    candidate: DecimalText | None
    difference: DecimalText | None  # candidate - baseline
    relative_difference: float | None  # difference / baseline
    ci_low: DecimalText | None  # 95 % interval of the difference (not corrected)
    ci_high: DecimalText | None
    p_value: float | None
    p_value_corrected: float | None  # Holm, over the metrics tested
    method: str  # mann_whitney, bootstrap, two_proportion_z, fisher_exact ('' when not tested)
    baseline_n: int  # observations: calls, priced calls, calls with a TTFT, evaluations, feedback
    candidate_n: int
    min_samples: int  # per side, to be judged
    min_effect: float  # the smallest change that counts as worse or better
    min_effect_relative: bool  # min_effect is a share of the baseline, else absolute (0.005 = 0.5 pp)
    outcome: Outcome
    note: str


class Comparison(Wire):
    """GET /api/v1/compare: the candidate judged against the baseline, each over its window (UTC)."""

    by: CompareBy
    baseline: str
    candidate: str
    baseline_since: str
    baseline_until: str
    candidate_since: str
    candidate_until: str
    verdict: Verdict
    score: float | None  # weighted share of the judged metrics that are not worse (None: none could be judged)
    worse: list[str]  # names of the metrics that got worse
    reasons: list[str]  # why the verdict is what it is, in words
    baseline_calls: int
    candidate_calls: int
    alpha: float  # significance level of the corrected p-values
    pass_score: float
    marginal_score: float
    metrics: list[MetricComparison]
