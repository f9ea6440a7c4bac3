"""The drift job against the real store: a shift is found where it was injected and nowhere else."""

from __future__ import annotations

import os
from datetime import timedelta

import numpy as np
import pytest

from pipelines.drift.job import DriftConfig, run_drift_job, stratum_quota
from store import query_rows
from tests.helpers.drift_data import NOW, insert_scores, insert_spans_with_content, insert_windows

CONFIG = DriftConfig(sample_rows=2_000)


def _results(store) -> dict[str, dict]:
    return {r["model"]: r for r in query_rows(store, "SELECT * FROM drift_results")}


def _features(store, result_id: str) -> dict[str, dict]:
    rows = query_rows(store, "SELECT * FROM drift_feature_results WHERE id = {id:String}", {"id": result_id})
    return {r["name"]: r for r in rows}


def test_doubled_input_tokens_drift_and_the_steady_model_does_not(store, tmp_path):
    rng = np.random.default_rng(7)
    insert_windows(store, rng, "gpt-4o", (1_500, 600), input_scale=2.0)
    insert_windows(store, rng, "claude-sonnet-4", (1_500, 600))
    outcome = run_drift_job(store, CONFIG, NOW, tmp_path)
    assert (outcome.groups, outcome.drifted, outcome.not_drifted, outcome.insufficient_data) == (2, 1, 1, 0)
    results = _results(store)
    shifted, steady = results["gpt-4o"], results["claude-sonnet-4"]
    assert shifted["status"] == "ok" and shifted["drifted"] is True
    assert steady["status"] == "ok" and steady["drifted"] is False
    assert (shifted["reference_rows"], shifted["current_rows"]) == (1_500, 600)
    assert shifted["current_sample"] == 600 and 0 < shifted["reference_sample"] <= 1_500
    features = _features(store, shifted["id"])
    assert set(features) == {"input_tokens", "output_tokens", "duration_ms", "ttft_ms", "finish_reason",
                             "error_type"}
    tokens = features["input_tokens"]
    assert tokens["drifted"] is True and tokens["direction"] in ("p_value", "distance")
    # The stored verdict agrees with the score read in its direction.
    for f in features.values():
        if f["direction"] == "p_value":
            assert f["drifted"] == (f["score"] <= f["threshold"]), f
        else:
            assert f["drifted"] == (f["score"] >= f["threshold"]), f
    assert [name for name, f in features.items() if f["drifted"]] == ["input_tokens"]
    assert tokens["current_mean"] > 1.7 * tokens["reference_mean"]
    assert sum(tokens["reference_counts"]) == tokens["reference_values"] == shifted["reference_sample"]
    assert features["ttft_ms"]["current_values"] < shifted["current_sample"]  # only streaming calls have one
    report = tmp_path / shifted["report_file"]
    assert report.name == f"{shifted['id']}.html" and report.stat().st_size > 10_000
    assert "input_tokens" in report.read_text()


def test_too_few_rows_is_insufficient_data_not_a_verdict(store, tmp_path):
    rng = np.random.default_rng(3)
    insert_windows(store, rng, "gpt-4o", (1_000, 150), input_scale=3.0)
    outcome = run_drift_job(store, CONFIG, NOW, tmp_path)
    assert (outcome.groups, outcome.insufficient_data, outcome.drifted) == (1, 1, 0)
    [row] = query_rows(store, "SELECT * FROM drift_results")
    assert row["status"] == "insufficient_data" and row["drifted"] is None and row["drift_share"] is None
    assert (row["reference_rows"], row["current_rows"], row["current_sample"]) == (1_000, 150, 0)
    assert row["report_file"] == "" and not list(tmp_path.iterdir())
    assert query_rows(store, "SELECT count() AS n FROM drift_feature_results")[0]["n"] == 0


def test_large_windows_are_sampled_evenly_over_hours(store, tmp_path):
    rng = np.random.default_rng(5)
    insert_windows(store, rng, "gpt-4o", (6_000, 3_000))
    outcome = run_drift_job(store, DriftConfig(sample_rows=480), NOW, tmp_path)
    assert outcome.groups == 1
    [row] = query_rows(store, "SELECT * FROM drift_results")
    # At most the target; at least the target less one call per hour (the per-hour cap is whole calls).
    assert 480 - 24 <= row["current_sample"] <= 480
    assert 480 - 7 * 24 <= row["reference_sample"] <= 480


def test_pinned_reference_period(store, tmp_path):
    rng = np.random.default_rng(11)
    insert_windows(store, rng, "gpt-4o", (800, 800))
    pinned = DriftConfig(reference_since=NOW - timedelta(days=8), reference_until=NOW - timedelta(days=4))
    run_drift_job(store, pinned, NOW, tmp_path)
    [row] = query_rows(store, "SELECT * FROM drift_results")
    assert row["reference_since"] == NOW - timedelta(days=8) and row["reference_until"] == NOW - timedelta(days=4)
    assert 300 < row["reference_rows"] < 600  # about 4 of the 7 reference days


def test_stratum_quota_fills_hours_equally():
    assert stratum_quota([100, 100, 100], 150) == 50
    assert stratum_quota([10, 100, 100], 150) == 70  # the quiet hour gives all it has
    assert stratum_quota([10, 20], 1_000) == 20  # fewer calls than the target: take them all
    assert stratum_quota([0, 0, 5], 3) == 3


def test_false_positive_rate_over_20_seeds_is_at_most_10_percent(store, tmp_path):
    """Twenty groups whose two windows come from the same distribution (one seed each): the share
    the job calls drifted is its false-positive rate. Small windows (300 calls) put every feature
    on a p-value test, the regime where multiple testing bites; see docs/benchmarks.md for the
    large-sample regime."""
    for seed in range(20):
        insert_windows(store, np.random.default_rng(1_000 + seed), f"model-{seed:02d}", (300, 300))
    outcome = run_drift_job(store, CONFIG, NOW, tmp_path)
    assert outcome.groups == 20 and outcome.insufficient_data == 0
    rate = outcome.drifted / outcome.groups
    tests = query_rows(store, "SELECT DISTINCT kind, method, direction FROM drift_feature_results "
                              "WHERE status = 'ok' ORDER BY kind")
    drifted = query_rows(store, "SELECT name, count() AS n FROM drift_feature_results WHERE drifted "
                                "GROUP BY name ORDER BY name")
    features = ", ".join(f"{d['name']} x{d['n']}" for d in drifted)
    print(f"\nfalse-positive rate over 20 seeds (300 vs 300 calls): {rate:.0%} "
          f"({outcome.drifted} of 20 drifted; drifted features: {features or 'none'})")
    assert tests == [{"kind": "categorical", "method": "jensenshannon", "direction": "distance"},
                     {"kind": "numerical", "method": "ks", "direction": "p_value"}]
    assert rate <= 0.10


def test_quality_scores_and_captured_content_are_compared(store, tmp_path):
    day = timedelta(days=1)
    insert_spans_with_content(store, 400, NOW - 8 * day, NOW - day, words=20, seed=1)
    insert_spans_with_content(store, 400, NOW - day, NOW, words=60, seed=2)  # answers three times longer
    insert_scores(store, "relevance", NOW - 8 * day, NOW - day, shift=0.0)
    insert_scores(store, "relevance", NOW - day, NOW, shift=-0.4)  # and much less relevant
    run_drift_job(store, CONFIG, NOW, tmp_path)
    [row] = query_rows(store, "SELECT * FROM drift_results")
    assert (row["feature"], row["status"], row["drifted"]) == ("answer", "ok", True)
    features = _features(store, row["id"])
    assert {"score:relevance", "input_chars", "input_words", "output_chars", "output_words"} <= set(features)
    assert features["score:relevance"]["drifted"] is True
    assert features["score:relevance"]["current_values"] == row["current_sample"]
    assert features["output_words"]["drifted"] is True and features["input_words"]["drifted"] is False
    # The message text, not the JSON around it: 20..39 words (mean 29.5) before, 60..119 (89.5) after;
    # each word is "answer" plus a space between words.
    words, chars = features["output_words"], features["output_chars"]
    assert 28 <= words["reference_mean"] <= 31 and 87 <= words["current_mean"] <= 92
    assert chars["reference_mean"] == pytest.approx(7 * words["reference_mean"] - 1)


def test_old_reports_are_pruned_and_new_ones_kept(store, tmp_path):
    old, recent = tmp_path / f"{'a' * 32}.html", tmp_path / f"{'b' * 32}.html"
    for path, age in ((old, timedelta(days=40)), (recent, timedelta(days=2))):
        path.write_text("<html></html>")
        stamp = (NOW - age).timestamp()
        os.utime(path, (stamp, stamp))
    run_drift_job(store, DriftConfig(report_retention=timedelta(days=30)), NOW, tmp_path)
    assert not old.exists() and recent.exists()
