"""Pure drift computation: direction, severity, feature statistics, untestable features."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipelines.drift.compare import Feature, Thresholds, compare
from pipelines.drift.direction import direction_of, drifted_by_direction, severity
from pipelines.drift.stats import OTHER, TOP_CATEGORIES, feature_stats


def test_direction_decides_the_verdict_and_the_severity():
    assert direction_of("ks") == "p_value" and direction_of("wasserstein") == "distance"
    assert drifted_by_direction(0.001, 0.05, "p_value") and not drifted_by_direction(0.5, 0.05, "p_value")
    assert drifted_by_direction(0.2, 0.1, "distance") and not drifted_by_direction(0.05, 0.1, "distance")
    # The same raw score means opposite things in the two directions.
    assert severity(0.01, 0.05, "p_value") == pytest.approx(5.0)
    assert severity(0.01, 0.05, "distance") == pytest.approx(0.2)
    assert severity(0.0, 0.05, "p_value") == 10.0 and severity(None, None, "") is None


def test_numerical_histogram_has_shared_quantile_bins():
    rng = np.random.default_rng(1)
    reference, current = pl.Series(rng.lognormal(6, 1, 1000)), pl.Series(rng.lognormal(6, 1, 800) * 2)
    stats = feature_stats(reference, current, "numerical")
    assert sum(stats.reference_counts) == 1000 and sum(stats.current_counts) == 800
    assert len(stats.bins) == len(stats.reference_counts) == 12
    assert stats.current_counts[-1] > stats.reference_counts[-1]  # the doubled window fills the top bins
    assert 1.8 < stats.current_p50 / stats.reference_p50 < 2.2


def test_categorical_histogram_folds_rare_values_into_other():
    names = [f"reason-{i:02d}" for i in range(TOP_CATEGORIES + 3)]
    reference = pl.Series([n for i, n in enumerate(names) for _ in range(50 - i)])
    stats = feature_stats(reference, pl.Series(["reason-00"] * 10 + [None]), "categorical")
    assert stats.bins[-1] == OTHER and len(stats.bins) == TOP_CATEGORIES + 1
    assert sum(stats.reference_counts) == reference.len() and stats.current_counts[0] == 10
    assert stats.current_values == 10 and stats.reference_mean is None


def test_too_few_values_and_constant_features_get_no_test():
    rng = np.random.default_rng(2)
    n = 300
    frame = lambda: pl.DataFrame({  # noqa: E731
        "tokens": rng.lognormal(6, 1, n), "sparse": [1.0] * 10 + [None] * (n - 10), "kind": ["chat"] * n})
    features = [Feature("tokens", "numerical"), Feature("sparse", "numerical"), Feature("kind", "categorical")]
    result = compare(frame(), frame(), features, Thresholds(min_values=30))
    by_name = {f.name: f for f in result.features}
    assert by_name["sparse"].status == "insufficient_data" and by_name["sparse"].drifted is None
    assert by_name["kind"].status == "constant" and by_name["kind"].drifted is False
    assert by_name["tokens"].status == "ok" and by_name["tokens"].method == "ks"
    assert by_name["tokens"].threshold == 0.05  # Bonferroni over the one p-value test
    assert result.compared_features == 1


def test_nothing_testable_is_no_verdict():
    frame = pl.DataFrame({"tokens": [1.0] * 10})
    result = compare(frame, frame, [Feature("tokens", "numerical")])
    assert (result.drifted, result.share, result.snapshot) == (None, None, None)


def test_a_small_window_against_a_large_one_gets_the_small_sample_test_and_no_false_drift():
    """A week of reference against six hours: the test is sized by the smaller window (K-S), where a distance on
    93 calls would cross its 0.1 threshold on unchanged traffic about as often as not."""
    drifted = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        reference, current = (pl.DataFrame({"tokens": rng.lognormal(6, 1, n)}) for n in (1348, 93))
        result = compare(reference, current, [Feature("tokens", "numerical")])
        [tokens] = result.features
        assert tokens.method == "ks"
        drifted.append(result.drifted)
    assert sum(drifted) <= 2  # alpha = 0.05 over 20 unchanged windows
    rng = np.random.default_rng(0)
    tripled = compare(pl.DataFrame({"tokens": rng.lognormal(6, 1, 1348)}),
                      pl.DataFrame({"tokens": 3 * rng.lognormal(6, 1, 93)}), [Feature("tokens", "numerical")])
    assert tripled.drifted is True
    large = compare(pl.DataFrame({"tokens": rng.lognormal(6, 1, 1348)}), pl.DataFrame({"tokens": rng.lognormal(6, 1, 1200)}),
                    [Feature("tokens", "numerical")])
    assert large.features[0].method == "wasserstein" and large.drifted is False
