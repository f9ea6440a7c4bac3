"""What a comparison of two versions measures: the per-call frame it reads, and each metric's rule.

Each metric says explicitly which way is better, how many observations a side needs before it is judged
(fewer is `insufficient_data`, never a pass), the smallest change that matters in practice (on big samples
every difference is significant: "worse" needs significance *and* this effect), its weight in the score and
whether it is critical (worse fails the verdict on its own). The defaults are documented in
docs/architecture.md ("Releases: comparing two versions"); a `Judge` may carry other specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

# One row per LLM call of a side. `cost` is the call's spend by the one rule of store/queries/call_spend.py
# (null when the call has no price); the quality columns count the call's evaluation and feedback scores.
FRAME_SCHEMA: dict[str, pl.DataType] = {
    "latency_ms": pl.Float64(), "ttft_ms": pl.Float64(), "error": pl.Boolean(), "input_tokens": pl.Int64(),
    "output_tokens": pl.Int64(), "cost": pl.Decimal(38, 12), "evals": pl.UInt32(), "evals_passed": pl.UInt32(),
    "feedback": pl.UInt32(), "feedback_positive": pl.UInt32()}

Kind = Literal["quantile", "mean", "rate"]
Test = Literal["mann_whitney", "bootstrap"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric of the comparison and how it is judged."""

    name: str
    label: str
    unit: Literal["ms", "share", "USD", "tokens"]
    kind: Kind
    column: str  # the frame column of the values (rates: the column of events)
    lower_is_better: bool
    min_samples: int  # per side
    min_effect: float  # the smallest change that counts as worse or better
    relative: bool  # min_effect is relative to the baseline (0.10 = 10 %), else absolute (0.005 = 0.5 pp)
    weight: float = 1.0
    critical: bool = False
    # Needed for any verdict even when neither side has a single observation (latency and errors exist for
    # every call); a critical metric not required (cost, quality) is left out when neither side measured it.
    required: bool = False
    quantile: float = 0.0  # kind quantile
    test: Test = "bootstrap"  # the p-value of a quantile or a mean: Mann-Whitney U or the bootstrap z test
    total: str = ""  # kind rate: the column of trials (empty: every call is a trial)

    @property
    def money(self) -> bool:
        return self.unit == "USD"


def _latency(name: str, label: str, column: str, q: float, weight: float = 1.0, critical: bool = False,
             required: bool = False) -> MetricSpec:
    # The middle moves with the whole distribution (Mann-Whitney U); a tail can grow while ranks barely move,
    # so p95 is the bootstrap test of the quantile itself.
    return MetricSpec(name, label, "ms", "quantile", column, lower_is_better=True, quantile=q,
                      test="mann_whitney" if q == 0.5 else "bootstrap", min_samples=30 if q == 0.5 else 100,
                      min_effect=0.10, relative=True, weight=weight, critical=critical, required=required)


METRICS: tuple[MetricSpec, ...] = (
    _latency("latency_p50", "p50 latency", "latency_ms", 0.5),
    _latency("latency_p95", "p95 latency", "latency_ms", 0.95, weight=2.0, critical=True, required=True),
    _latency("ttft_p50", "p50 time to first token", "ttft_ms", 0.5),
    _latency("ttft_p95", "p95 time to first token", "ttft_ms", 0.95),
    MetricSpec("error_rate", "error rate", "share", "rate", "error", lower_is_better=True, min_samples=100,
               min_effect=0.005, relative=False, weight=2.0, critical=True, required=True),
    MetricSpec("cost_per_request", "cost per request", "USD", "mean", "cost", lower_is_better=True, min_samples=30,
               min_effect=0.05, relative=True, weight=2.0, critical=True),
    MetricSpec("input_tokens_per_request", "input tokens per request", "tokens", "mean", "input_tokens",
               lower_is_better=True, min_samples=30, min_effect=0.10, relative=True, test="mann_whitney"),
    MetricSpec("output_tokens_per_request", "output tokens per request", "tokens", "mean", "output_tokens",
               lower_is_better=True, min_samples=30, min_effect=0.10, relative=True, test="mann_whitney"),
    MetricSpec("quality_pass_rate", "quality pass rate", "share", "rate", "evals_passed", lower_is_better=False,
               min_samples=30, min_effect=0.02, relative=False, weight=2.0, critical=True, total="evals"),
    MetricSpec("feedback_positive_rate", "positive-feedback rate", "share", "rate", "feedback_positive",
               lower_is_better=False, min_samples=30, min_effect=0.05, relative=False, total="feedback"),
)
NAMES = tuple(spec.name for spec in METRICS)


def empty_frame() -> pl.DataFrame:
    """A side without calls."""
    return pl.DataFrame(schema=FRAME_SCHEMA)
