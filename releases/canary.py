"""Which comparison judges a change: the pure planning step of the canary analysis.

A change to a service version, a prompt version, a model or a provider is judged against the value it
replaced (`from_value`), over the last `window` since it happened, for `horizon` after it happened:

- **canary**: the previous value still serves calls of the same scope in that window (a canary, a
  progressive rollout, an A/B): both sides are compared over the same window, so time of day, traffic mix
  and provider weather are the same on both sides;
- **before/after**: the previous value no longer serves (a full switch): the new value's window is compared
  with the previous value's traffic at the same hours of the previous week, the best baseline for a
  daily and weekly seasonal load.

Changes with nothing to compare against are not planned: the first value ever seen (no `from_value`), a
price or config change (no `llm_calls` column tells the two sides apart; a price change shows in spend, not
per version), and a provider's snapshot under an unchanged model name (the calls of both snapshots carry
the same requested model, and `compare` splits by the four columns its `by` names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# The `llm_calls` columns a comparison can split by: a change's dimension must be one of them.
COMPARABLE = ("service_version", "prompt_version", "model", "provider")
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ChangeToJudge:
    """The fields of a `changes` row the planning needs."""

    id: str
    at: datetime
    project: str
    service: str
    model: str
    dimension: str
    subject: str
    from_value: str
    to_value: str


@dataclass(frozen=True)
class Plan:
    """One comparison to run for a change: split `by`, the two values, the scope, and each side's window."""

    change_id: str
    mode: Literal["canary", "before_after"]
    by: str
    baseline: str
    candidate: str
    project: str
    service: str
    model: str  # '' = any model
    prompt_name: str  # '' = any prompt
    since: datetime
    until: datetime
    baseline_since: datetime
    baseline_until: datetime


def judgeable(change: ChangeToJudge, now: datetime, horizon: timedelta) -> bool:
    """Whether the canary job judges this change at `now`: comparable, with a previous value, recent."""
    return (change.dimension in COMPARABLE and change.from_value != "" and change.from_value != change.to_value
            and change.at < now < change.at + horizon)


def window_of(change: ChangeToJudge, now: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """The candidate's window at `now`: the last `window`, never before the change."""
    return max(change.at, now - window), now


def plan(change: ChangeToJudge, previous_serves: bool, now: datetime, window: timedelta) -> Plan:
    """The comparison for a judgeable change; `previous_serves`: the previous value had calls of the same scope
    in the candidate's window (`window_of`)."""
    since, until = window_of(change, now, window)
    shift = timedelta(0) if previous_serves else WEEK
    return Plan(change_id=change.id, mode="canary" if previous_serves else "before_after", by=change.dimension,
                baseline=change.from_value, candidate=change.to_value, project=change.project,
                service=change.service, model="" if change.dimension == "model" else change.model,
                prompt_name=change.subject if change.dimension == "prompt_version" else "",
                since=since, until=until, baseline_since=since - shift, baseline_until=until - shift)
