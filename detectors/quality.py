"""`quality_drop`: evaluation pass rate or mean score down, or negative-feedback rate up, per model/service.

`metric` picks the measure of each score name (one signal per group and score name):
- `pass_rate`: passing evaluations / evaluations (what passes is the quality settings' rule);
- `mean_score`: the mean numeric value of evaluations;
- `negative_feedback_rate`: feedback that is not positive / feedback.
Over the last `window` it fires when the measure is worse than an absolute `threshold` (when one
is set), or worse than over the `baseline` before the window by at least `min_change` *and*
significantly so: `z` standard errors of the difference (two-proportion or Welch), so a handful
of bad scores in a quiet hour does not page. Either side needs its minimum count
(`min_count`, `min_baseline_count`).

Sharing a query: one count of evaluation and feedback scores per bucket (`step`) over the union
of the rules' dimensions, score names and the longest window + baseline. What passes and what is
positive is computed in the query, so rules of this detector must agree on those settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import reduce
from typing import Literal

import polars as pl
from pydantic import Field, model_validator

from detectors.base import Detector, Signal
from detectors.durations import Duration, whole_steps
from detectors.evidence import instant, rounded
from detectors.frames import within
from detectors.selection import Grouped, labels_of, query_selection, selected
from store.base import Store
from store.queries import detectors_quality as q
from store.queries.quality import QualityRules

DEFAULT_RULES = QualityRules()
# metric -> (score source, +1 when a higher value is worse / -1 when lower is worse)
METRICS = {"pass_rate": ("eval", -1), "mean_score": ("eval", -1), "negative_feedback_rate": ("feedback", 1)}


class Params(Grouped):
    DIMENSIONS = tuple(q.DIMENSIONS)

    group_by: tuple[str, ...] = Field(("service", "model"), description="Dimensions of a series (and the score name).")
    metric: Literal["pass_rate", "mean_score", "negative_feedback_rate"] = Field("pass_rate", description=(
        "What is compared."))
    scores: tuple[str, ...] = Field((), description="Score names watched (empty: every one, each its own signal).")
    window: Duration = Field(timedelta(hours=1), description="The recent scores judged.")
    baseline: Duration = Field(timedelta(days=7), description="The scores just before the window, compared with.")
    step: Duration = Field(timedelta(minutes=5), description="Count bucket (the query's grain).")
    threshold: float | None = Field(None, description=(
        "Absolute bound: fire below it (pass rate, mean score) or above it (negative feedback rate)."))
    min_change: float | None = Field(0.1, gt=0, description=(
        "Fire when worse than the baseline by this much (rate or score units); null: no baseline comparison."))
    z: float = Field(3.0, gt=0, description="... and by this many standard errors of the difference.")
    min_count: int = Field(30, ge=1, description="Scores the window needs to be judged.")
    min_baseline_count: int = Field(100, ge=1, description="Scores the baseline needs for the comparison.")
    pass_threshold: float = Field(DEFAULT_RULES.pass_threshold, description=(
        "An evaluation passes at or above this value (the quality.pass_threshold setting)."))
    pass_labels: tuple[str, ...] = Field(DEFAULT_RULES.pass_labels, description=(
        "... or with one of these labels (quality.pass_labels)."))
    positive_labels: tuple[str, ...] = Field(DEFAULT_RULES.positive_labels, description=(
        "Feedback is positive with a value > 0 or one of these labels (quality.feedback_positive_labels)."))

    @model_validator(mode="after")
    def _whole_steps(self) -> Params:
        whole_steps(self.step, window=self.window, baseline=self.baseline)
        return self

    @property
    def rules(self) -> QualityRules:
        return QualityRules(self.pass_labels, self.pass_threshold, self.positive_labels)


def lookback(p: Params) -> timedelta:
    return p.window + p.baseline


def merge_params(rules: Sequence[Params]) -> Params:
    if len({r.rules for r in rules}) > 1:
        raise ValueError("quality_drop rules disagree on pass_threshold, pass_labels or positive_labels: "
                         "one query computes what passes, so they must be the same")
    step = timedelta(seconds=reduce(math.gcd, (int(r.step.total_seconds()) for r in rules)))
    window = max(r.window for r in rules)
    scores = tuple(sorted({s for r in rules for s in r.scores})) if all(r.scores for r in rules) else ()
    return Params(**query_selection(rules), scores=scores, step=step, window=window,
                  baseline=max(lookback(r) for r in rules) - window, pass_threshold=rules[0].pass_threshold,
                  pass_labels=rules[0].pass_labels, positive_labels=rules[0].positive_labels)


def series(store: Store, p: Params, since: datetime, until: datetime) -> pl.DataFrame:
    return q.score_counts(store, p.columns, p.where, p.scores, since, until, p.step, p.rules)


def _measure(metric: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(value, count, variance) of `metric` from summed counts."""
    if metric == "mean_score":
        n = pl.col("valued")
        mean = pl.col("value_sum") / n
        return mean, n, (pl.col("value_sumsq") / n - mean * mean).clip(lower_bound=0)
    rate = pl.col("good") / pl.col("count") if metric == "pass_rate" else 1 - pl.col("good") / pl.col("count")
    return rate, pl.col("count"), rate * (1 - rate)


def detect(frame: pl.DataFrame, p: Params, now: datetime) -> list[Signal]:
    source, sign = METRICS[p.metric]
    rows = selected(within(frame, now, lookback(p)), p).filter(pl.col("source") == source)
    if p.scores:
        rows = rows.filter(pl.col("score").is_in(list(p.scores)))
    keys = [*(p.group_by or ()), "score"]
    value, count, variance = _measure(p.metric)
    sums = (rows.with_columns((pl.col("time") > now - p.window).alias("current"))
            .group_by([*keys, "current"]).agg(pl.col("count", "good", "valued", "value_sum", "value_sumsq").sum())
            .with_columns(value.alias("value"), count.alias("n"), variance.alias("variance")))
    current = sums.filter(pl.col("current") & (pl.col("n") >= p.min_count))
    baseline = sums.filter(~pl.col("current")).select(*keys, "value", "n", "variance")
    signals = []
    for row in current.join(baseline, on=keys, how="left", suffix="_base").iter_rows(named=True):
        found = _judge(row, p, sign)
        if found is not None:
            reason, bound, z = found
            signals.append(_signal(row, p, now, reason, bound, z))
    return signals


def _judge(row: dict, p: Params, sign: int) -> tuple[str, float, float | None] | None:
    """(reason, bound crossed, z) when the window is worse than the threshold or the baseline, else None."""
    if p.threshold is not None and sign * (row["value"] - p.threshold) > 0:
        return "threshold", p.threshold, None
    if p.min_change is None or (row["n_base"] or 0) < p.min_baseline_count:
        return None
    change = sign * (row["value"] - row["value_base"])
    error = math.sqrt(row["variance"] / row["n"] + row["variance_base"] / row["n_base"])
    z = change / error if error > 0 else (math.inf if change > 0 else 0.0)
    if change >= p.min_change and z >= p.z:
        return "baseline", row["value_base"] + sign * p.min_change, z
    return None


def _signal(row: dict, p: Params, now: datetime, reason: str, bound: float, z: float | None) -> Signal:
    evidence = {
        "metric": p.metric, "reason": reason,
        "window": {"start": instant(now - p.window), "end": instant(now), "count": row["n"],
                   "value": rounded(row["value"])},
        "baseline": {"start": instant(now - lookback(p)), "end": instant(now - p.window), "count": row["n_base"] or 0,
                     "value": rounded(row["value_base"])},
        "z": rounded(z, 3) if z is not None and math.isfinite(z) else None,
    }
    labels = {**labels_of(row, p.group_by), "score": row["score"]}
    return Signal(labels, round(row["value"], 6), round(bound, 6), evidence)


DETECTOR = Detector(name="quality_drop", summary="Pass rate or mean score down, or negative feedback up.",
                    Params=Params, lookback=lookback, series=series, detect=detect, merge_params=merge_params)
