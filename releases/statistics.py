"""The statistical tests a comparison of two versions runs, each a pure function of numbers.

Why these (docs/architecture.md, "Releases: comparing two versions"):
- a shift of a whole distribution (latency's middle, tokens) is Mann-Whitney U, which assumes no shape;
- a quantile or a mean is compared by bootstrapping the difference; the interval and the p-value come from the
  bootstrap standard error (normal interval), so the two always agree and a p-value needs no more replicates
  than an interval (a percentile p-value of 400 replicates could not go below 0.005);
- a rate is a two-proportion z test, or Fisher's exact test when an expected count is below 5, with Newcombe's
  hybrid score interval for the difference (it stays inside [-1, 1] and is right for small counts);
- Holm's step-down adjustment corrects the p-values for the number of metrics tested.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Test:
    """A difference (candidate - baseline) with its 95 % interval and two-sided p-value, and the test's name."""

    difference: float
    low: float
    high: float
    p_value: float
    method: str


def mann_whitney(baseline: np.ndarray, candidate: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value (normal approximation with tie and continuity corrections, exact for
    small samples without ties, as scipy chooses)."""
    if len(baseline) == 0 or len(candidate) == 0:
        return 1.0
    if np.all(baseline == baseline[0]) and np.all(candidate == baseline[0]):
        return 1.0  # every value the same: no evidence of any difference (scipy would divide by zero)
    return float(stats.mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)


def z_p_value(difference: float, se: float) -> float:
    """Two-sided p-value of `difference` given its standard error (a zero error: 1 when no difference, else 0)."""
    if se <= 0 or not math.isfinite(se):
        return 1.0 if difference == 0 else 0.0
    return float(2 * stats.norm.sf(abs(difference) / se))


def bootstrap_variance(values: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], draws: np.ndarray,
                       full_size: int) -> float:
    """Bootstrap variance of `statistic` over `values`, scaled to a sample of `full_size`.

    `draws` are resampling indices (replicates x len(values)), drawn once per side so every metric of a side
    resamples the same calls; `statistic` reduces each row of a (replicates x n) array. `values` may be a
    subsample of the side: the variance of a mean or a quantile falls as 1/n, so a subsample's variance times
    len(values) / full_size is the full sample's (the bootstrap then costs the same for 10 thousand calls as for
    a million).
    """
    if len(values) < 2:
        return 0.0
    replicated = statistic(values[draws])
    return float(np.var(replicated, ddof=1)) * len(values) / full_size


def bootstrap_test(difference: float, baseline_variance: float, candidate_variance: float, method: str) -> Test:
    """`difference` (computed on the full samples) with the normal interval and z p-value of the two sides'
    bootstrap variances (the sides are resampled independently, so the variances add)."""
    se = math.sqrt(baseline_variance + candidate_variance)
    return Test(difference, difference - Z95 * se, difference + Z95 * se, z_p_value(difference, se), method)


def quantile_rows(q: float) -> Callable[[np.ndarray], np.ndarray]:
    """The `q` quantile of each row (linear interpolation, as numpy and Polars' "linear" do)."""
    return lambda rows: np.quantile(rows, q, axis=1)


def mean_rows(rows: np.ndarray) -> np.ndarray:
    return rows.mean(axis=1)


def resample(n: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws over a sample of `n` values: (replicates x n) indices."""
    return rng.integers(0, max(n, 1), size=(replicates, n))


def fisher_exact(a_events: int, a_total: int, b_events: int, b_total: int) -> float:
    """Two-sided Fisher's exact p-value of the 2x2 table [[a events, a others], [b events, b others]]."""
    table = [[a_events, a_total - a_events], [b_events, b_total - b_events]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def two_proportion_z(a_events: int, a_total: int, b_events: int, b_total: int) -> float:
    """Two-sided pooled two-proportion z test p-value."""
    pooled = (a_events + b_events) / (a_total + b_total)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a_total + 1 / b_total))
    return z_p_value(b_events / b_total - a_events / a_total, se)


def wilson(events: int, total: int) -> tuple[float, float]:
    """Wilson score 95 % interval of a proportion."""
    p = events / total
    centre = (p + Z95**2 / (2 * total)) / (1 + Z95**2 / total)
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / (1 + Z95**2 / total)
    return centre - half, centre + half


def proportion_test(a_events: int, a_total: int, b_events: int, b_total: int) -> Test:
    """Difference of two proportions (b - a): Newcombe's interval, and Fisher's exact test when any expected cell
    count is below 5, else the two-proportion z test."""
    pa, pb = a_events / a_total, b_events / b_total
    (la, ua), (lb, ub) = wilson(a_events, a_total), wilson(b_events, b_total)
    diff = pb - pa
    low = diff - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = diff + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    events, total = a_events + b_events, a_total + b_total
    expected = [side * share for side in (a_total, b_total) for share in (events / total, 1 - events / total)]
    if min(expected) < 5:
        return Test(diff, low, high, fisher_exact(a_events, a_total, b_events, b_total), "fisher_exact")
    return Test(diff, low, high, two_proportion_z(a_events, a_total, b_events, b_total), "two_proportion_z")


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (monotone, capped at 1), in the order given."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
