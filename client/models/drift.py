"""Drift: the drift job's comparisons and their per-feature results."""

from __future__ import annotations

from typing import Literal

from client.models.wire import Timestamp, Window, Wire


class DriftFeature(Wire):
    """One compared feature: the test, its score read in its direction, the verdict, and both windows' values."""

    name: str
    kind: str  # numerical or categorical
    status: Literal["ok", "insufficient_data", "constant"]
    method: str  # Evidently's test ('' when not tested)
    score: float | None
    threshold: float | None
    direction: Literal["p_value", "distance", ""]  # p_value: drift when score <= threshold; distance: >=
    drifted: bool | None
    reference_values: int
    current_values: int
    reference_mean: float | None
    current_mean: float | None
    reference_p50: float | None
    current_p50: float | None
    reference_p95: float | None
    current_p95: float | None
    bins: list[str]
    reference_counts: list[int]
    current_counts: list[int]
    severity: float | None  # the score on one scale: 1 at the threshold, above 1 when drifted (capped)


class DriftResult(Wire):
    """GET /api/v1/drift/{id}: one comparison of a group's current window with its reference window."""

    id: str
    run_id: str
    computed_at: Timestamp
    project: str
    service_name: str
    model: str
    feature: str
    reference_since: Timestamp
    reference_until: Timestamp
    current_since: Timestamp
    current_until: Timestamp
    reference_rows: int
    current_rows: int
    reference_sample: int
    current_sample: int
    status: Literal["ok", "insufficient_data"]
    drifted: bool | None  # None: no verdict (insufficient data)
    drifted_features: int
    compared_features: int
    drift_share: float | None
    drift_share_threshold: float
    report_file: str  # '' when there is no report
    seconds: float
    features: list[DriftFeature]


class DriftResults(Window):
    """GET /api/v1/drift: comparisons computed in the range, newest first."""

    results: list[DriftResult]
