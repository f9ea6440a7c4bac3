"""The result of comparing two versions: per metric the values, the difference and its interval, the p-values and
the outcome; overall a score and a verdict. Plain data with a JSON round trip, because the canary job stores the
whole comparison in `change_verdicts.report` and the API, the detector and the post-mortem read it back.

Values of a money metric (`unit` USD) are exact `Decimal`s, written to JSON as decimal text; every other value
is a float.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Outcome = Literal["better", "no_significant_change", "worse", "insufficient_data"]
Verdict = Literal["pass", "marginal", "fail", "insufficient_data"]
OUTCOMES: tuple[Outcome, ...] = ("better", "no_significant_change", "worse", "insufficient_data")
VERDICTS: tuple[Verdict, ...] = ("pass", "marginal", "fail", "insufficient_data")
Value = float | Decimal
_VALUES = ("baseline", "candidate", "difference", "ci_low", "ci_high")


@dataclass(frozen=True)
class MetricResult:
    """One metric of a comparison. `difference` is candidate - baseline with its 95 % interval [ci_low, ci_high]
    (not corrected); `p_value_corrected` is Holm's, over the metrics tested; None where the metric was not
    tested (too few observations)."""

    name: str
    label: str
    unit: str  # ms, share (0..1), USD, tokens
    better: Literal["lower", "higher"]
    critical: bool
    weight: float
    baseline: Value | None
    candidate: Value | None
    difference: Value | None
    relative_difference: float | None  # difference / baseline (None when the baseline is 0 or missing)
    ci_low: Value | None
    ci_high: Value | None
    p_value: float | None
    p_value_corrected: float | None
    method: str  # the test: mann_whitney, bootstrap, two_proportion_z, fisher_exact
    baseline_n: int  # observations: calls, priced calls, calls with a TTFT, evaluations, feedback
    candidate_n: int
    min_samples: int  # per side, to be judged
    min_effect: float  # the smallest change that counts (relative to the baseline when min_effect_relative)
    min_effect_relative: bool
    outcome: Outcome
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """Baseline against candidate. `worse` names the metrics whose outcome is worse; `reasons` say in words why
    the verdict is what it is. `score` is 0-100 (None when no metric could be judged)."""

    verdict: Verdict
    score: float | None
    worse: tuple[str, ...]
    reasons: tuple[str, ...]
    metrics: tuple[MetricResult, ...]
    baseline_calls: int
    candidate_calls: int
    alpha: float
    pass_score: float
    marginal_score: float
    # What was compared, filled in by the reading side (releases/analysis.py); empty for frames compared directly.
    by: str = ""
    baseline: str = ""
    candidate: str = ""
    baseline_since: str = ""
    baseline_until: str = ""
    candidate_since: str = ""
    candidate_until: str = ""

    def metric(self, name: str) -> MetricResult:
        """The result of the metric called `name` (KeyError when the comparison has none)."""
        for result in self.metrics:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), default=_decimal_text, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Comparison:
        data = json.loads(text)
        metrics = tuple(_metric(item) for item in data.pop("metrics"))
        return cls(**{**data, "metrics": metrics, "worse": tuple(data["worse"]), "reasons": tuple(data["reasons"])})


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _metric(item: dict[str, Any]) -> MetricResult:
    number = Decimal if item["unit"] == "USD" else float
    values = {name: None if item[name] is None else number(item[name]) for name in _VALUES}
    return MetricResult(**{**item, **values})
