"""`releases:` settings: the changes job, which records the first call of every new version, model and provider,
and the canary job, which judges each recent change against the value it replaced."""

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
    canary_interval_seconds: float = Field(300, gt=0, description=(
        "How often the canary job judges every recent change (a service version, prompt version, model or "
        "provider) against the value it replaced, writing one verdict per change to change_verdicts."))
    canary_window: timedelta = Field(timedelta(hours=1), description=(
        "The traffic each judgement compares: the last this long since the change (a canary: both versions over "
        "these hours; after a full switch: against the previous version at the same hours a week earlier)."))
    canary_horizon: timedelta = Field(timedelta(hours=24), description=(
        "How long after a change the canary job keeps judging it (a verdict per run until then)."))

    @field_validator("detect_lookback", "canary_window", "canary_horizon", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return duration(value)

    @field_validator("detect_lookback", "canary_window", "canary_horizon")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0")
        return value
