"""Which way a drift score points, in one place: p-values drift when low, distances when high.

Evidently's per-column score is a p-value for some tests (K-S, chi-square, Z, ...) and a
distance for others (Wasserstein, Jensen-Shannon, PSI, ...). Every verdict and every
presentation of a score goes through these functions, never through a raw comparison.
Light on purpose (no Evidently import), so the API can use it.
"""

from __future__ import annotations

from typing import Literal

# Which way a score points; '' for a feature no test ran on (insufficient data, constant).
Direction = Literal["p_value", "distance"]
# Tests whose score is a p-value (drift when score <= threshold); every other test's score is
# a distance or divergence (drift when score >= threshold).
P_VALUE_TESTS = frozenset({"ks", "chisquare", "z", "anderson", "cramer_von_mises", "epps_singleton",
                           "fisher_exact", "mannw", "t_test", "g_test"})


def direction_of(method: str) -> Direction:
    """'p_value' or 'distance' for an Evidently test name."""
    return "p_value" if method in P_VALUE_TESTS else "distance"


def drifted_by_direction(score: float, threshold: float, direction: Direction) -> bool:
    """The verdict a score implies: p-values drift when low, distances when high."""
    return score <= threshold if direction == "p_value" else score >= threshold


def severity(score: float | None, threshold: float | None, direction: Direction | Literal[""],
             cap: float = 10.0) -> float | None:
    """A score on one scale for every test: 1 at the threshold, above 1 when drifted (capped).

    For a distance, score / threshold; for a p-value, threshold / score (a p-value of 0 is the cap).
    This is what lets a heat map colour p-values and distances side by side.
    """
    if score is None or threshold is None or not direction:
        return None
    if direction == "p_value":
        return cap if score <= 0 else min(threshold / score, cap)
    return min(score / threshold, cap) if threshold > 0 else cap
