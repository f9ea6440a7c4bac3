"""`releases:` settings: the changes job, which records the first call of every new version, model and provider."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator

from spyglass.config.section import Section, duration


class ReleasesSettings(Section):
    detect_interval_seconds: float = Field(60, gt=0, description=(
        "How often the changes job looks at newly ingested LLM calls for new service versions, prompt versions, "
        "models, model snapshots and providers, and at the price catalog for a new version."))
    detect_delay_seconds: float = Field(30, ge=0, description=(
        "How long after its ingestion a call is read by the changes job: longer than any insert takes to commit "
        "(a slower commit could hide a new value's first calls)."))
    detect_lookback: timedelta = Field(timedelta(days=7), description=(
        "How long a value must have been absent for its return to count as a new change: a look-back (12h, 7d) "
        "or seconds."))

    @field_validator("detect_lookback", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration(value)

    @field_validator("detect_lookback")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0")
        return value
