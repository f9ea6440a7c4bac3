"""What happens to an outbox row after one delivery attempt: delivered, retried later, or dead-lettered.

Pure (the time and the jitter are arguments): exponential backoff `base * 2^(attempts-1)` capped at `cap`, with
equal jitter (half of it fixed, half random, so retries of many notifications spread out without ever coming
sooner than half the backoff), and never sooner than the receiver's Retry-After. A permanent refusal, or the
last allowed attempt, dead-letters the row with the reason; a replay (alerts/outbox.py) brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from alerts.notifiers.base import Delivery
from store.queries.notifications import NotificationRow

# A receiver's Retry-After is honoured up to an hour: a broken or hostile value must not park a page for days.
RETRY_AFTER_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class DeliveryPolicy:
    """The outbox's knobs (the `alerts.delivery_*` settings)."""

    max_attempts: int = 10
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    workers_per_receiver: int = 4
    timeout_seconds: float = 10.0
    poll_seconds: float = 5.0
    max_queued_per_receiver: int = 10_000


def backoff_seconds(policy: DeliveryPolicy, attempts: int, jitter: float) -> float:
    """The wait after `attempts` failed attempts (≥ 1); `jitter` in [0, 1)."""
    ceiling = min(policy.backoff_cap_seconds, policy.backoff_base_seconds * 2.0 ** min(attempts - 1, 62))
    return ceiling / 2 + ceiling / 2 * jitter


def advance(row: NotificationRow, delivery: Delivery, now: datetime, policy: DeliveryPolicy,
            jitter: float) -> NotificationRow:
    """The row's next version after an attempt that ended as `delivery` at `now`."""
    attempts = row.attempts + 1
    step = replace(row, version=row.version + 1, attempts=attempts, updated_at=now)
    if delivery.outcome == "delivered":
        return replace(step, state="delivered", delivered_at=now)
    if delivery.outcome == "failed":
        return replace(step, state="dead", last_error=delivery.detail)
    if attempts >= policy.max_attempts:
        return replace(step, state="dead", last_error=f"{delivery.detail} (gave up after {attempts} attempts)")
    wait = backoff_seconds(policy, attempts, jitter)
    if delivery.retry_after is not None:
        wait = max(wait, min(delivery.retry_after, RETRY_AFTER_CAP_SECONDS))
    return replace(step, next_attempt_at=now + timedelta(seconds=wait), last_error=delivery.detail)


def dead(row: NotificationRow, reason: str, now: datetime) -> NotificationRow:
    """The row dead-lettered without an attempt (its receiver is no longer configured)."""
    return replace(row, version=row.version + 1, state="dead", last_error=reason, updated_at=now)


def replayed(row: NotificationRow, now: datetime) -> NotificationRow:
    """The row back to pending, due now, attempts reset, same id: a new version."""
    return replace(row, version=row.version + 1, state="pending", attempts=0, next_attempt_at=now, updated_at=now,
                   delivered_at=None, last_error="")
