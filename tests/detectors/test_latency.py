"""latency_regression and ttft_regression on synthetic histograms: quantiles read to within 2.2 %, both margins
required, enough calls on both sides, one query at the finest common step."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from detectors import latency
from tests.helpers.synthetic_calls import START, Model, Slow, histogram_frame

D = latency.LATENCY
NOW = START + timedelta(days=1, hours=15)


def frame(*models: Model) -> pl.DataFrame:
    return histogram_frame(models, 2 * 288, seed=4)


def test_a_slow_window_fires_with_its_quantiles_and_both_windows():
    slow = Model("openai", "gpt-4o", 800, 60, slow=(Slow(NOW - timedelta(minutes=30), timedelta(hours=1), 2.5),))
    [signal] = D.detect(frame(slow), D.params({}), NOW)
    # log-normal(median 800 ms, sigma 0.5): p95 = 800 x e^(1.645 x 0.5) = 1821 ms; x2.5 in the window.
    assert signal.evidence["baseline"]["p95_ms"] == pytest.approx(1821, rel=0.05)
    assert signal.value == pytest.approx(2.5 * 1821, rel=0.08)
    assert signal.threshold == pytest.approx(1.5 * signal.evidence["baseline"]["p95_ms"], rel=0.001)
    assert signal.evidence["window"]["start"] == "2026-11-03T14:30:00Z"
    assert signal.labels == {"provider": "openai", "model": "gpt-4o"}


def test_a_quantile_from_the_histogram_is_within_its_bin():
    rng = np.random.default_rng(9)
    ms = rng.lognormal(6, 0.7, 5000)
    bins, counts = np.unique(np.floor(np.log2(ms) * 16).astype(int), return_counts=True)
    rows = pl.DataFrame({"time": [NOW] * len(bins), "provider": "x", "model": "m", "bin": bins, "calls": counts},
                        schema_overrides={"time": pl.Datetime("us", "UTC"), "bin": pl.Int32, "calls": pl.Int64})
    got = rows.group_by("model").agg(latency._quantile(0.95))["bin"].item()
    assert latency._ms(got) == pytest.approx(np.quantile(ms, 0.95), rel=0.022)


@pytest.mark.parametrize("params", [{"ratio": 3}, {"min_increase_ms": 5000}, {"min_calls": 500},
                                    {"min_baseline_calls": 100_000}])
def test_each_margin_and_minimum_can_hold_it_back(params):
    slow = Model("openai", "gpt-4o", 800, 60, slow=(Slow(NOW - timedelta(minutes=30), timedelta(hours=1), 2.5),))
    assert D.detect(frame(slow), D.params(params), NOW) == []


def test_ttft_uses_its_own_smaller_increase_and_the_same_test():
    assert latency.TTFT.params({}).min_increase_ms == 100 and D.params({}).min_increase_ms == 250
    fast = Model("openai", "gpt-4o", 100, 60, sigma=0.3, slow=(Slow(NOW - timedelta(hours=1), timedelta(hours=2), 2),))
    [signal] = latency.TTFT.detect(frame(fast), latency.TTFT.params({}), NOW)
    assert signal.value > 150


def test_rules_merge_to_the_finest_common_step_and_the_longest_history():
    a = D.params({"step": "5m", "window": "30m", "baseline": "1d"})
    b = D.params({"step": "2m", "window": "10m", "baseline": "2d", "group_by": ["service"]})
    merged = D.merge_params([a, b])
    assert merged.step == timedelta(minutes=1) and D.lookback(merged) == timedelta(days=2, minutes=10)
    assert set(merged.columns) == {"provider", "model", "service"}
    with pytest.raises(ValueError, match="window: a whole multiple of step"):
        D.params({"step": "7m"})
