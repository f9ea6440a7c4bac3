"""The pure comparison of two versions: two per-call frames in, a `Comparison` out.

How a verdict is reached, like Kayenta's judge (Spinnaker's canary analysis) but with explicit directions:
1. each metric with at least its minimum of observations on both sides is tested (releases/statistics.py) and
   its p-value corrected with Holm's method over the metrics tested;
2. a metric is `worse` (or `better`) when its corrected p-value is below `alpha`, its interval excludes 0, and the
   change is at least the metric's practical minimum in the bad (good) direction; otherwise
   `no_significant_change`. Too few observations is `insufficient_data`;
3. the score is the weighted share of the judged metrics that are not worse (0-100);
4. the verdict is `fail` when a critical metric is worse, whatever the score; `insufficient_data` when a
   critical metric lacks data (latency and errors always count; cost and quality only when either side has
   any); else `pass` from `pass_score` (95), `marginal` from `marginal_score` (75), `fail` below.

Point values use every call (quantiles, means, rates; money exact). Distribution tests and bootstraps run on
at most `sample_cap` calls per side drawn at random with a fixed seed, so one comparison of a million calls a
side takes the same time as one of ten thousand, and the same data always gets the same verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import polars as pl

from releases import statistics as st
from releases.comparison import Comparison, MetricResult, Outcome, Verdict
from releases.metrics import FRAME_SCHEMA, METRICS, MetricSpec

MONEY = Decimal("0.000000000001")  # Decimal(38, 12), as request_costs stores it


@dataclass(frozen=True)
class Judge:
    """The rules of a verdict (documented defaults; docs/architecture.md "Releases: comparing two versions")."""

    metrics: tuple[MetricSpec, ...] = METRICS
    alpha: float = 0.05
    pass_score: float = 95.0
    marginal_score: float = 75.0
    sample_cap: int = 5_000  # calls per side for the distribution tests and the bootstrap
    replicates: int = 200  # bootstrap replicates
    seed: int = 0


@dataclass
class _Side:
    """One version's calls: the full frame for point values, a bounded subsample for tests and bootstraps."""

    frame: pl.DataFrame
    judge: Judge
    rng: np.random.Generator
    sample: pl.DataFrame = field(init=False)
    _draws: dict[int, np.ndarray] = field(default_factory=dict)
    _quantiles: dict[str, dict[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.frame.height
        cap = self.judge.sample_cap
        self.sample = self.frame if n <= cap else self.frame[np.sort(self.rng.choice(n, cap, replace=False))]

    def quantile(self, column: str, q: float) -> float:
        """The `q` quantile of a column's values (p50 and p95 of a column come from one partition of its values)."""
        if column not in self._quantiles:
            qs = sorted({spec.quantile for spec in self.judge.metrics if spec.kind == "quantile" and spec.column == column})
            values = self.frame[column].drop_nulls().to_numpy()
            self._quantiles[column] = dict(zip(qs, np.quantile(values, qs).tolist(), strict=True))
        return self._quantiles[column][q]

    def sample_values(self, column: str) -> np.ndarray:
        return self.sample[column].drop_nulls().cast(pl.Float64).to_numpy()

    def draws(self, n: int) -> np.ndarray:
        """Bootstrap indices over `n` values, shared by every metric of this side with as many values."""
        if n not in self._draws:
            self._draws[n] = st.resample(n, self.judge.replicates, self.rng)
        return self._draws[n]


@dataclass(frozen=True)
class _Measured:
    baseline: float | Decimal | None
    candidate: float | Decimal | None
    baseline_n: int
    candidate_n: int
    test: st.Test | None  # None: too few observations


def compare(baseline: pl.DataFrame, candidate: pl.DataFrame, judge: Judge | None = None) -> Comparison:
    """Judge `candidate` against `baseline`, two frames of releases.metrics.FRAME_SCHEMA (one row per call)."""
    judge = judge or Judge()
    rng = np.random.default_rng(judge.seed)
    sides = (_Side(_conform(baseline), judge, rng), _Side(_conform(candidate), judge, rng))
    measured = [_measure(spec, sides) for spec in judge.metrics]
    tested = {i: m.test.p_value for i, m in enumerate(measured) if m.test is not None}
    corrected = dict(zip(tested, st.holm(list(tested.values())), strict=True))
    results = tuple(_result(spec, m, corrected.get(i), judge.alpha)
                    for i, (spec, m) in enumerate(zip(judge.metrics, measured, strict=True)))
    return _verdict(results, judge, baseline.height, candidate.height)


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    missing = sorted(set(FRAME_SCHEMA) - set(frame.columns))
    if missing:
        raise ValueError(f"the calls frame lacks {', '.join(missing)}")
    return frame.select([pl.col(name).cast(dtype) for name, dtype in FRAME_SCHEMA.items()])


def _measure(spec: MetricSpec, sides: tuple[_Side, _Side]) -> _Measured:
    if spec.kind == "rate":
        return _rate(spec, sides)
    columns = [side.frame[spec.column] for side in sides]
    counts = (columns[0].len() - columns[0].null_count(), columns[1].len() - columns[1].null_count())
    point: list[float | Decimal | None]
    if spec.kind == "quantile":
        point = [side.quantile(spec.column, spec.quantile) if n else None for side, n in zip(sides, counts, strict=True)]
        statistic = st.quantile_rows(spec.quantile)
    else:
        point = [_exact_mean(c) if spec.money else (_float_mean(c) if n else None)
                 for c, n in zip(columns, counts, strict=True)]
        statistic = st.mean_rows
    if min(counts) < spec.min_samples:
        return _Measured(point[0], point[1], counts[0], counts[1], None)
    samples = [side.sample_values(spec.column) for side in sides]
    variances = [st.bootstrap_variance(s, statistic, side.draws(len(s)), n)
                 for side, s, n in zip(sides, samples, counts, strict=True)]
    difference = float(point[1] or 0) - float(point[0] or 0)  # both present: each side has min_samples
    test = st.bootstrap_test(difference, variances[0], variances[1], "bootstrap")
    if spec.test == "mann_whitney":
        test = st.Test(difference, test.low, test.high, st.mann_whitney(samples[0], samples[1]), "mann_whitney")
    return _Measured(point[0], point[1], counts[0], counts[1], test)


def _float_mean(series: pl.Series) -> float:
    return float(series.cast(pl.Float64).mean())  # type: ignore[arg-type]  # Polars types mean() loosely


def _exact_mean(series: pl.Series) -> Decimal | None:
    """The mean of a money column, exact: its Decimal sum over its count, to the column's 12 places."""
    values = series.drop_nulls()
    if values.len() == 0:
        return None
    return (Decimal(values.sum()) / values.len()).quantize(MONEY)


def _rate(spec: MetricSpec, sides: tuple[_Side, _Side]) -> _Measured:
    events = [int(side.frame[spec.column].cast(pl.Int64).sum()) for side in sides]
    trials = [int(side.frame[spec.total].cast(pl.Int64).sum()) if spec.total else side.frame.height
              for side in sides]
    point = [e / t if t else None for e, t in zip(events, trials, strict=True)]
    test = st.proportion_test(events[0], trials[0], events[1], trials[1]) if min(trials) >= spec.min_samples \
        else None
    return _Measured(point[0], point[1], trials[0], trials[1], test)


def _result(spec: MetricSpec, m: _Measured, corrected: float | None, alpha: float) -> MetricResult:
    test = m.test
    difference: float | Decimal | None = None
    if isinstance(m.baseline, Decimal) and isinstance(m.candidate, Decimal):
        difference = m.candidate - m.baseline  # money: exact
    elif m.baseline is not None and m.candidate is not None:
        difference = float(m.candidate) - float(m.baseline)
    base = float(m.baseline) if m.baseline is not None else None
    relative = float(difference) / base if difference is not None and base else None
    low: float | Decimal | None = None
    high: float | Decimal | None = None
    if test is not None:
        low, high = (_money(test.low), _money(test.high)) if spec.money else (test.low, test.high)
    outcome, note = _outcome(spec, m, test, corrected, relative, alpha)
    return MetricResult(
        name=spec.name, label=spec.label, unit=spec.unit, better="lower" if spec.lower_is_better else "higher",
        critical=spec.critical, weight=spec.weight, baseline=m.baseline, candidate=m.candidate,
        difference=difference, relative_difference=relative, ci_low=low, ci_high=high,
        p_value=test.p_value if test else None, p_value_corrected=corrected, method=test.method if test else "",
        baseline_n=m.baseline_n, candidate_n=m.candidate_n, min_samples=spec.min_samples,
        min_effect=spec.min_effect, min_effect_relative=spec.relative, outcome=outcome, note=note)


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(MONEY) if math.isfinite(value) else Decimal(0)


def _outcome(spec: MetricSpec, m: _Measured, test: st.Test | None, corrected: float | None,
             relative: float | None, alpha: float) -> tuple[Outcome, str]:
    if test is None or corrected is None:
        if m.baseline_n == 0 and m.candidate_n == 0:
            return "insufficient_data", "no observations on either side"
        return "insufficient_data", (f"{m.baseline_n} and {m.candidate_n} observations; "
                                     f"{spec.min_samples} per side needed")
    if spec.relative:
        effect = abs(relative) if relative is not None else (math.inf if test.difference else 0.0)
    else:
        effect = abs(test.difference)
    excludes_zero = test.low > 0 or test.high < 0
    if corrected >= alpha or not excludes_zero:
        return "no_significant_change", ""
    if effect < spec.min_effect:
        return "no_significant_change", "significant, but smaller than the practical minimum"
    return ("worse" if (test.difference > 0) == spec.lower_is_better else "better"), ""


def _verdict(results: tuple[MetricResult, ...], judge: Judge, baseline_calls: int,
             candidate_calls: int) -> Comparison:
    specs = {spec.name: spec for spec in judge.metrics}
    judged = [r for r in results if r.outcome != "insufficient_data"]
    worse = tuple(r.name for r in results if r.outcome == "worse")
    weights = sum(r.weight for r in judged)
    score = round(100 * sum(r.weight for r in judged if r.outcome != "worse") / weights, 1) if weights else None
    failing = [r for r in judged if r.critical and r.outcome == "worse"]
    lacking = [r for r in results if r.critical and r.outcome == "insufficient_data"
               and (specs[r.name].required or r.baseline_n + r.candidate_n > 0)]
    reasons = [f"critical metric {r.label} is worse{_change(r)}" for r in failing]
    reasons += [f"critical metric {r.label} lacks data ({r.note})" for r in lacking]
    verdict: Verdict
    if failing:
        verdict = "fail"
    elif lacking or score is None:
        verdict = "insufficient_data"
        if score is None:
            reasons.append("no metric has enough observations on both sides")
    else:
        verdict = "pass" if score >= judge.pass_score else "marginal" if score >= judge.marginal_score else "fail"
        named = ", ".join(f"{r.label}{_change(r)}" for r in results if r.outcome == "worse")
        reasons.append(f"score {score:g} of 100 (pass from {judge.pass_score:g}, marginal from "
                       f"{judge.marginal_score:g}); " + (f"worse: {named}" if named else "no metric is worse"))
    return Comparison(verdict=verdict, score=score, worse=worse, reasons=tuple(reasons), metrics=results,
                      baseline_calls=baseline_calls, candidate_calls=candidate_calls, alpha=judge.alpha,
                      pass_score=judge.pass_score, marginal_score=judge.marginal_score)


def _change(r: MetricResult) -> str:
    if r.relative_difference is not None and r.min_effect_relative:
        return f" ({r.relative_difference:+.1%})"
    if r.difference is not None and r.unit == "share":
        return f" ({float(r.difference) * 100:+.2f} pp)"
    return ""
