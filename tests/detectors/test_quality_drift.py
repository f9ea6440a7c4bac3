"""quality_drop and drift on synthetic series: worse than a threshold or than the baseline (significantly),
minimum counts, rules that must agree; the latest drift comparison decides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detectors import drift, quality
from tests.helpers.synthetic_ops import DAY0, drift_scenarios
from tests.helpers.synthetic_quality import Stream, _at, score_frame

Q = quality.DETECTOR
DROP = Stream("eval", "correctness", "chat-api", "gpt-4o", 20, good=0.9, drops=((_at(10), timedelta(hours=3), 0.6),))
FRAME = score_frame([DROP, Stream("feedback", "thumbs", "chat-api", "gpt-4o", 6, good=0.95)], 8, seed=2)


def test_a_significant_drop_against_the_baseline():
    [signal] = Q.detect(FRAME, Q.params({}), _at(11))
    assert signal.labels == {"service": "chat-api", "model": "gpt-4o", "score": "correctness"}
    assert signal.evidence["reason"] == "baseline" and signal.evidence["z"] > 3
    assert signal.value == pytest.approx(0.6, abs=0.07)
    assert signal.threshold == pytest.approx(signal.evidence["baseline"]["value"] - 0.1)
    assert Q.detect(FRAME, Q.params({}), _at(9)) == []


def test_an_absolute_threshold_alone_and_each_minimum():
    only_threshold = Q.params({"threshold": 0.95, "min_change": None})
    [signal] = Q.detect(FRAME, only_threshold, _at(9))   # 90 % passing, below 95 %
    assert signal.evidence["reason"] == "threshold" and signal.threshold == 0.95
    assert Q.detect(FRAME, Q.params({"min_count": 10_000}), _at(11)) == []
    assert Q.detect(FRAME, Q.params({"min_baseline_count": 10**6}), _at(11)) == []
    assert Q.detect(FRAME, Q.params({"z": 50}), _at(11)) == []


def test_negative_feedback_is_the_share_not_positive():
    rule = Q.params({"metric": "negative_feedback_rate", "threshold": 0.01, "min_change": None, "min_count": 5})
    [signal] = Q.detect(FRAME, rule, _at(15))
    assert signal.labels["score"] == "thumbs" and signal.value == pytest.approx(0.05, abs=0.05)


def test_rules_that_disagree_on_what_passes_cannot_share_a_query():
    a, b = Q.params({}), Q.params({"metric": "mean_score", "pass_threshold": 0.7})
    with pytest.raises(ValueError, match="disagree on pass_threshold"):
        Q.merge_params([a, b])
    merged = Q.merge_params([Q.params({"scores": ["a"]}), Q.params({"scores": ["b"], "window": "2h"})])
    assert merged.scores == ("a", "b") and Q.lookback(merged) == timedelta(days=7, hours=2)
    assert Q.merge_params([Q.params({"scores": ["a"]}), Q.params({})]).scores == ()


def test_the_latest_comparison_of_a_group_decides_and_old_ones_expire():
    frame = drift_scenarios()[0].frame
    D = drift.DETECTOR
    [signal] = D.detect(frame, D.params({}), DAY0 + timedelta(hours=12, minutes=30))
    assert signal.labels == {"project": "p", "service": "chat-api", "model": "gpt-4o", "feature": "answer"}
    assert signal.evidence["features"][0]["name"] == "input_tokens" and signal.value == 0.4
    assert D.detect(frame, D.params({}), DAY0 + timedelta(hours=16, minutes=30)) == []   # a later run found none
    # No comparison in the last hour: nothing to say (silence is no_data's business).
    assert D.detect(frame.filter(frame["service"] != "batch"), D.params({"max_age": "1h"}),
                    DAY0 + timedelta(hours=46)) == []
