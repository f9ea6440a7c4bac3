"""The incident status state machine: pure, one call per transition.

    status/action  ack           mitigate    resolve    close    reopen
    triggered      acknowledged  mitigated   resolved   -        -
    acknowledged   -             mitigated   resolved   -        -
    mitigated      -             -           resolved   -        -
    resolved       -             -           -          closed   acknowledged
    closed         -             -           -          -        -

Forward moves may skip a status: an alert that clears before anyone acknowledged it is resolved
from `triggered`, and a fix applied at once is mitigated from `triggered`. A skipped milestone stays
empty (it did not happen), so time-to-acknowledge counts only incidents someone acknowledged. Moving
backwards is a reopen, allowed from `resolved` (the problem came back) and not from `closed` (a closed
incident's numbers and post-mortem are final: open a new one). Every other move, repeating the
current status included, is an `InvalidTransition` naming the moves allowed from here (the API
answers 409 with them).

Each milestone is set the first time its status is entered and never moved, except `resolved_at`,
which a reopen clears so that the next resolution sets it again. Milestones never go backwards in
time: a transition stamped before the latest milestone (clocks of two processes) takes that time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, get_args

from store.errors import BadInput

Status = Literal["triggered", "acknowledged", "mitigated", "resolved", "closed"]
Action = Literal["ack", "mitigate", "resolve", "close", "reopen"]
STATUSES: tuple[Status, ...] = get_args(Status)
ACTIONS: tuple[Action, ...] = get_args(Action)
OPEN: tuple[Status, ...] = ("triggered", "acknowledged", "mitigated")  # an alert of its group attaches to it
TARGET: dict[str, Status] = {"ack": "acknowledged", "mitigate": "mitigated", "resolve": "resolved",
                                "close": "closed", "reopen": "acknowledged"}
ALLOWED: dict[Status, tuple[Action, ...]] = {
    "triggered": ("ack", "mitigate", "resolve"),
    "acknowledged": ("mitigate", "resolve"),
    "mitigated": ("resolve",),
    "resolved": ("close", "reopen"),
    "closed": (),
}


class InvalidTransition(BadInput):
    """A move the state machine does not allow from the current status; `allowed` are the ones it does."""

    def __init__(self, status: Status, action: str, allowed: tuple[Action, ...]) -> None:
        options = ", ".join(allowed) if allowed else "none: a closed incident is final"
        super().__init__(f"cannot {action} an incident that is {status} (allowed: {options})")
        self.status, self.action, self.allowed = status, action, allowed


@dataclass(frozen=True)
class Milestones:
    """When the incident started (the window its first alert judged began), was detected (opened), and entered each
    later status."""

    started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None

    def latest(self) -> datetime:
        return max(t for t in (self.started_at, self.detected_at, self.acknowledged_at, self.mitigated_at,
                               self.resolved_at, self.closed_at) if t is not None)


def transition(status: Status, milestones: Milestones, action: str, at: datetime) -> tuple[Status, Milestones]:
    """The status and milestones after `action` at `at`; InvalidTransition if it is not allowed from `status`."""
    allowed = ALLOWED[status]
    if action not in allowed:
        raise InvalidTransition(status, action, allowed)
    at = max(at, milestones.latest())
    m = milestones
    if action == "ack":
        m = replace(m, acknowledged_at=m.acknowledged_at or at)
    elif action == "mitigate":
        m = replace(m, mitigated_at=m.mitigated_at or at)
    elif action == "resolve":
        m = replace(m, resolved_at=at)
    elif action == "close":
        m = replace(m, closed_at=at)
    else:  # reopen
        m = replace(m, acknowledged_at=m.acknowledged_at or at, resolved_at=None)
    return TARGET[action], m
