"""error_burn_rate on synthetic minutes: the SRE workbook's tiers, both windows required, quiet services spared."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from detectors import burn_rate
from tests.helpers.synthetic_calls import START, Service, error_frame

D = burn_rate.DETECTOR
NOW = START + timedelta(days=3, hours=15)


def frame(*services: Service) -> pl.DataFrame:
    return error_frame(services, 4 * 1440, seed=6)


def test_the_default_tiers_are_the_workbooks():
    assert [(w.label, w.burn_rate) for w in D.params({}).windows] == [("1h/5m", 14.4), ("6h/30m", 6.0),
                                                                       ("3d/6h", 1.0)]
    assert D.lookback(D.params({})) == timedelta(days=3)


def test_a_fast_burn_pages_on_the_fast_tier_with_both_windows_in_evidence():
    incident = Service("chat", 200, 0.001, ((NOW - timedelta(minutes=40), timedelta(hours=1), 0.3),))
    signals = D.detect(frame(incident), D.params({}), NOW)
    fast = next(s for s in signals if s.labels == {"service": "chat", "burn_window": "1h/5m"})
    long, short = fast.evidence["long"], fast.evidence["short"]
    assert long["window"] == "1h" and short["window"] == "5m"
    assert fast.value == pytest.approx(long["error_ratio"] / 0.01, rel=1e-3) and fast.value > 14.4
    assert short["burn_rate"] > 14.4 and fast.evidence["budget_consumed"] == pytest.approx(fast.value / 720, rel=1e-2)


def test_a_burst_that_is_over_no_longer_pages():
    over = Service("chat", 200, 0.001, ((NOW - timedelta(minutes=50), timedelta(minutes=40), 0.3),))
    tiers = {s.labels["burn_window"] for s in D.detect(frame(over), D.params({}), NOW)}
    assert "1h/5m" not in tiers   # the long window still burns, the last 5 minutes do not


def test_a_quiet_service_needs_calls_and_errors_before_it_is_judged():
    quiet = Service("tiny", 0.05, 0.2)   # one call every 20 minutes, a fifth of them failing
    assert D.detect(frame(quiet), D.params({}), NOW) != []   # it does burn its budget...
    assert D.detect(frame(quiet), D.params({"min_calls": 500}), NOW) == []   # ...on too few calls for some


def test_custom_tiers_and_objective():
    incident = Service("chat", 200, 0.001, ((NOW - timedelta(hours=2), timedelta(hours=3), 0.02),))
    params = D.params({"objective": 0.999, "windows": [{"long": "2h", "short": "10m", "burn_rate": 10}]})
    [signal] = D.detect(frame(incident), params, NOW)
    assert signal.labels["burn_window"] == "2h/10m" and signal.value == pytest.approx(20, rel=0.15)
    with pytest.raises(ValueError, match="short window 2h must be shorter than long window 1h"):
        D.params({"windows": [{"long": "1h", "short": "2h", "burn_rate": 1}]})
