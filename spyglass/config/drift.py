"""`drift:` settings: which windows the drift job compares, how it samples and tests, where reports go."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from spyglass.config.section import Section, duration


class DriftSettings(Section):
    interval_seconds: float = Field(3600, gt=0, description=(
        "How often the drift job compares each service x model x feature's current window with its reference."))
    current_window: timedelta = Field(timedelta(hours=24), description=(
        "The window compared, ending now: a look-back (90m, 24h, 7d) or seconds."))
    reference_window: timedelta = Field(timedelta(days=7), description=(
        "The reference window just before the current one: a look-back or seconds."))
    reference_since: datetime | None = Field(None, description=(
        "Start of a pinned reference period instead, e.g. a known-good week (RFC 3339 with a zone; "
        "with reference_until)."))
    reference_until: datetime | None = Field(None, description="End of the pinned reference period.")
    min_rows: int = Field(200, ge=1, description=(
        "Fewer calls than this in either window: status insufficient_data and no verdict."))
    sample_rows: int = Field(10_000, ge=100, le=1_000_000, description=(
        "Calls sampled per window for the comparison, spread evenly over its hours."))
    sample_seed: int = Field(0, ge=0, description=(
        "Seed of the sample (a hash of each call's ids): the same seed samples the same calls."))
    alpha: float = Field(0.05, gt=0, lt=1, description=(
        "False-positive rate of a comparison's p-value tests together (Bonferroni-corrected per test)."))
    distance_threshold: float = Field(0.1, gt=0, description=(
        "Threshold of the distance tests (normed Wasserstein, Jensen-Shannon): drift at or above it."))
    share: float = Field(0.01, gt=0, le=1, description=(
        "Share of compared features that must drift for a comparison to be drifted (0.01: any one)."))
    reports_dir: Path | None = Field(None, description=(
        "Where drift HTML reports are written (not set: drift-reports in data_dir; set it with a ClickHouse "
        "server)."))
    report_retention_days: float = Field(30, gt=0, description=(
        "Drift reports older than this many days are deleted (about 4 MB each); their results stay."))

    @field_validator("current_window", "reference_window", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration(value)

    @field_validator("reference_since", "reference_until")
    @classmethod
    def _zoned(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone (RFC 3339, e.g. 2026-11-01T00:00:00Z)")
        return value

    @model_validator(mode="after")
    def _pinned_reference(self) -> DriftSettings:
        since, until = self.reference_since, self.reference_until
        if (since is None) != (until is None):
            raise ValueError("reference_since and reference_until go together (both or neither)")
        if since is not None and until is not None and since >= until:
            raise ValueError("reference_since must be before reference_until")
        return self
