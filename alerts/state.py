"""The alert instance state machine: pure, one step per evaluation.

    inactive --active--> pending --active for `for`--> firing --inactive for keep_firing_for--> resolved
        ^                  |  (for = 0: straight to firing)  ^ |                                    |
        +--- not active ---+                                 +-+ active again: stays firing         |
    resolved --active--> pending (or firing) : a new episode; resolved --(retention)--> forgotten

`step` takes the instance's state (None: inactive), what this evaluation saw (None: the condition
does not hold for this instance) and the time, and returns the new state and the transitions it
made. It reads no clock and does no I/O, so every edge is tested one by one and the backtest
replays history through exactly this code. Timing follows Prometheus: an instance fires at the
first evaluation at which it has been active for `for` (measured from the evaluation that first
saw it); once the condition stops holding it keeps firing until `keep_firing_for` has passed since
the first evaluation that did not see it (and starts over if the condition comes back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from alerts.model import fingerprint

Status = Literal["inactive", "pending", "firing", "resolved"]


@dataclass(frozen=True)
class Sample:
    """One active instance as an evaluation saw it: its rule and labels (its identity), its value and what
    explains it."""

    rule: str
    labels: Mapping[str, str]
    value: float
    annotations: Mapping[str, str] = field(default_factory=dict)
    threshold: float | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return fingerprint(dict(self.labels))


@dataclass(frozen=True)
class AlertState:
    """The current state of one instance (rule + fingerprint), as persisted in `alert_states`."""

    rule: str
    fingerprint: str
    labels: Mapping[str, str]
    status: Status
    active_since: datetime | None = None  # the evaluation that started this episode (pending since)
    firing_since: datetime | None = None
    last_active_at: datetime | None = None  # the last evaluation at which the condition held
    keep_firing_since: datetime | None = None  # firing, but the condition stopped holding at this evaluation
    resolved_at: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Transition:
    """One edge of the state machine, as appended to `alert_events`."""

    rule: str
    fingerprint: str
    labels: Mapping[str, str]
    from_status: Status
    to_status: Status
    at: datetime
    value: float | None
    annotations: Mapping[str, str]


def _observed(state: AlertState, sample: Sample, now: datetime) -> AlertState:
    return replace(state, labels=dict(sample.labels), last_active_at=now, keep_firing_since=None, value=sample.value,
                   threshold=sample.threshold, annotations=dict(sample.annotations), evidence=dict(sample.evidence),
                   updated_at=now)


def _move(state: AlertState, to: Status, now: datetime, **changes: Any) -> tuple[AlertState, list[Transition]]:
    new = replace(state, status=to, updated_at=now, **changes)
    edge = Transition(state.rule, state.fingerprint, dict(new.labels), state.status, to, now, new.value,
                      dict(new.annotations))
    return new, [edge]


def step(state: AlertState | None, active: Sample | None, now: datetime, for_: timedelta,
         keep_firing_for: timedelta) -> tuple[AlertState | None, list[Transition]]:
    """One evaluation of one instance: its state (None: inactive) and what this evaluation saw of it (None: the
    condition does not hold). Returns the new state (None: inactive again) and the transitions made."""
    if state is None or state.status in ("inactive", "resolved"):
        if active is None:
            return state, []
        fresh = AlertState(active.rule, active.fingerprint, dict(active.labels), state.status if state else "inactive")
        fresh = _observed(fresh, active, now)
        if for_ <= timedelta(0):
            return _move(fresh, "firing", now, active_since=now, firing_since=now, resolved_at=None)
        return _move(fresh, "pending", now, active_since=now, firing_since=None, resolved_at=None)
    if state.status == "pending":
        if active is None:
            gone, edges = _move(state, "inactive", now)
            return None, edges
        seen = _observed(state, active, now)
        assert state.active_since is not None
        if now - state.active_since >= for_:
            return _move(seen, "firing", now, firing_since=now)
        return seen, []
    # firing
    if active is not None:
        return _observed(state, active, now), []
    since = state.keep_firing_since or now
    if keep_firing_for > timedelta(0) and now - since < keep_firing_for:
        return (state if state.keep_firing_since else replace(state, keep_firing_since=now, updated_at=now)), []
    return _move(state, "resolved", now, resolved_at=now, keep_firing_since=None)


def forgotten(state: AlertState, now: datetime, retention: timedelta) -> bool:
    """A resolved instance is kept for `retention` (so its resolution reaches its group), then dropped."""
    return state.status == "resolved" and state.resolved_at is not None and now - state.resolved_at >= retention
