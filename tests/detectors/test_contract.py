"""The contract every detector keeps: named in the registry, params that refuse what they do not know and say
what each field means, silence on an empty install, evidence that JSON takes, and `detect` blind to the future."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from detectors.base import DetectorParams
from detectors.durations import format_duration, parse_duration
from detectors.registry import DETECTORS, get
from tests.helpers.detector_scores import scenarios

SCENARIOS = {f"{s.detector.name}-{i}": s for i, s in enumerate(scenarios())}


def test_the_registry_names_every_detector_and_refuses_unknown_names():
    assert set(DETECTORS) == {"cost_anomaly", "latency_regression", "ttft_regression", "error_burn_rate", "budget",
                              "gpu_idle", "gpu_saturated", "gpu_memory_low", "drift", "quality_drop",
                              "unpriced_model", "no_data", "change_regression"}
    assert get("drift") is DETECTORS["drift"]
    with pytest.raises(KeyError, match="unknown detector 'rollback'; known: budget, change_regression, cost_anomaly"):
        get("rollback")


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_params_have_defaults_descriptions_and_refuse_unknown_keys(name):
    detector = DETECTORS[name]
    params = detector.params({})
    assert isinstance(params, DetectorParams) and detector.lookback(params) > timedelta(0)
    undocumented = [f for f, info in detector.Params.model_fields.items() if not info.description]
    assert undocumented == []
    with pytest.raises(ValueError, match=f"detector {name}: windw: Extra inputs are not permitted"):
        detector.params({"windw": "5m"})
    # Params survive a round trip through their serialised form (durations as 5m, money as strings).
    assert detector.params(json.loads(params.model_dump_json())) == params
    # One rule's query serves that rule: merging it alone asks for no more than it needs.
    assert detector.lookback(detector.merge_params([params])) == detector.lookback(params)


def test_durations_are_prometheus_style():
    assert parse_duration("1h30m") == timedelta(minutes=90) and parse_duration("2w") == timedelta(days=14)
    assert [format_duration(parse_duration(x)) for x in ("90s", "30d", "14d", "1d6h")] == ["1m30s", "30d", "2w", "1d6h"]
    for bad in ("", "5", "5 m", "1y", "0s", "-5m", 300):
        with pytest.raises(ValueError, match="duration"):
            parse_duration(bad)


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_an_empty_series_never_pages(key):
    s = SCENARIOS[key]
    assert s.detector.detect(s.frame.clear(), s.params, s.steps[-1]) == []


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_signals_carry_json_evidence_and_ignore_rows_after_now(key):
    s = SCENARIOS[key]
    event = s.events[0]
    at = next(t for t in s.steps if t >= event.start and s.detector.detect(s.frame, s.params, t))
    signals = s.detector.detect(s.frame, s.params, at)
    for signal in signals:
        assert json.loads(json.dumps(signal.evidence)) == signal.evidence
        assert all(isinstance(v, str) for v in signal.labels.values())
        assert isinstance(signal.value, float) and isinstance(signal.threshold, float)
    # What came after `at` changes nothing: the same signals from the rows up to `at` alone.
    past = s.frame.filter(s.frame["time"] <= at)
    assert s.detector.detect(past, s.params, at) == signals
