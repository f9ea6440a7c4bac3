"""Drift settings: look-back durations, a pinned reference period (both or neither, with a zone),
and how they reach the drift job."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from spyglass.config import load
from spyglass.jobs import drift_config
from store.errors import ConfigError


def test_windows_take_look_back_durations_or_seconds(monkeypatch):
    monkeypatch.setenv("SPYGLASS_DRIFT__REFERENCE_WINDOW", "3d")
    settings = load(drift={"current_window": "6h"}, data_dir="/data")
    assert settings.drift.current_window == timedelta(hours=6)
    assert settings.drift.reference_window == timedelta(days=3)
    assert load(drift={"current_window": 3600}).drift.current_window == timedelta(hours=1)
    assert str(settings.drift_reports_path) == "/data/drift-reports"
    with pytest.raises(ConfigError, match="not a duration"):
        load(drift={"current_window": "6 hours"})


def test_a_pinned_reference_reaches_the_job():
    settings = load(drift={"reference_since": "2026-11-01T00:00:00Z", "reference_until": "2026-11-08T00:00:00Z",
                           "min_rows": 50, "alpha": 0.01, "report_retention_days": 7})
    config = drift_config(settings)
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)
    current, reference = config.windows(now)
    assert (current.since, current.until) == (now - timedelta(hours=24), now)
    assert (reference.since, reference.until) == (datetime(2026, 11, 1, tzinfo=timezone.utc),
                                                  datetime(2026, 11, 8, tzinfo=timezone.utc))
    assert (config.min_rows, config.thresholds.alpha, config.report_retention) == (50, 0.01, timedelta(days=7))


@pytest.mark.parametrize("overrides, message", [
    ({"reference_since": "2026-11-01T00:00:00Z"}, "both or neither"),
    ({"reference_since": "2026-11-08T00:00:00Z", "reference_until": "2026-11-01T00:00:00Z"}, "must be before"),
    ({"reference_since": "2026-11-01T00:00:00", "reference_until": "2026-11-08T00:00:00Z"}, "time zone"),
    ({"min_rows": 0}, "drift.min_rows"),
])
def test_bad_drift_settings_are_one_clear_error(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load(drift=overrides)
