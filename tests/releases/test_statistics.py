"""Each statistic of the comparison against known values: textbook tables, hand computation, scipy's own
reference cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from releases import statistics as st


def test_fisher_exact_on_the_tea_tasting_table():
    # Fisher's lady tasting tea: [[3, 1], [1, 3]] has the two-sided p-value 34/70 = 0.4857.
    assert st.fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70)


def test_fisher_exact_on_a_lopsided_table():
    # [[8, 2], [1, 5]] (R's fisher.test: p = 0.03497): hypergeometric tables at least as extreme.
    assert st.fisher_exact(8, 10, 1, 6) == pytest.approx(0.034965, abs=1e-6)


def test_two_proportion_z_by_hand():
    # 30/200 against 50/200: pooled 0.2, se = sqrt(0.2 * 0.8 * (2 / 200)) = 0.04, z = 0.1 / 0.04 = 2.5.
    assert st.two_proportion_z(30, 200, 50, 200) == pytest.approx(2 * (1 - 0.99379033), abs=1e-7)


def test_wilson_interval_of_a_known_case():
    # Newcombe (1998), case 81/263: Wilson interval 0.2553 to 0.3662.
    low, high = st.wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_newcombe_interval_of_the_difference_of_two_proportions():
    # Newcombe (1998) example (method 10): 56/70 against 48/80, difference 0.2 with 95 % interval 0.0524 to 0.3339.
    test = st.proportion_test(48, 80, 56, 70)
    assert test.difference == pytest.approx(0.2)
    assert (round(test.low, 4), round(test.high, 4)) == (0.0524, 0.3339)
    assert test.method == "two_proportion_z"


def test_small_counts_use_fishers_exact_test():
    test = st.proportion_test(0, 40, 4, 40)
    assert test.method == "fisher_exact"
    assert test.p_value == pytest.approx(st.fisher_exact(0, 40, 4, 40))


def test_mann_whitney_matches_scipys_reference_case():
    # scipy's documentation example (Conover): males against females, U = 17 of 20; exactly, 14 of the 126 ways to
    # split the nine values into five and four are at least as far from U = 10, so the two-sided p is 14/126 = 1/9.
    males = np.array([19, 22, 16, 29, 24], dtype=float)
    females = np.array([20, 11, 17, 12], dtype=float)
    assert st.mann_whitney(females, males) == pytest.approx(1 / 9)


def test_mann_whitney_of_identical_constant_samples_is_one():
    assert st.mann_whitney(np.full(50, 3.0), np.full(60, 3.0)) == 1.0


def test_holm_adjusts_in_step_down_order_and_stays_monotone():
    # Sorted 0.01, 0.02, 0.03, 0.5 times 4, 3, 2, 1: 0.04, 0.06, 0.06 (monotone), 0.5.
    assert st.holm([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])
    assert st.holm([0.9, 0.8]) == [1.0, 1.0]


def test_z_p_value_of_a_known_z_and_of_no_spread():
    assert st.z_p_value(1.959964, 1.0) == pytest.approx(0.05, abs=1e-6)
    assert (st.z_p_value(0.0, 0.0), st.z_p_value(1.0, 0.0)) == (1.0, 0.0)


def test_bootstrap_variance_of_a_mean_approaches_the_analytic_one():
    rng = np.random.default_rng(3)
    values = rng.normal(10, 2, 4000)
    variance = st.bootstrap_variance(values, st.mean_rows, st.resample(len(values), 400, rng), len(values))
    assert variance == pytest.approx(values.var(ddof=1) / len(values), rel=0.15)


def test_bootstrap_variance_of_a_subsample_is_scaled_to_the_full_sample():
    rng = np.random.default_rng(4)
    values = rng.normal(0, 1, 2000)
    on_2000 = st.bootstrap_variance(values, st.mean_rows, st.resample(2000, 400, rng), 2000)
    scaled = st.bootstrap_variance(values, st.mean_rows, st.resample(2000, 400, rng), 200_000)
    assert scaled == pytest.approx(on_2000 / 100, rel=0.2)


def test_bootstrap_test_interval_and_p_value_agree():
    test = st.bootstrap_test(1.0, 0.25, 0.0, "bootstrap")  # se 0.5: z = 2
    assert (test.low, test.high) == pytest.approx((1 - 1.959964 * 0.5, 1 + 1.959964 * 0.5), abs=1e-5)
    assert test.p_value == pytest.approx(2 * (1 - 0.97724987), abs=1e-6)
    assert not math.isnan(test.p_value)
