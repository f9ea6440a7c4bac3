"""What the alert engine hands to delivery: alert instances and the notifications that carry them.

The engine (rules, state, routing, grouping, silences, inhibition) decides *what* to say and to
*whom*; the outbox and the receivers (alerts/outbox.py, alerts/notifiers/) decide *how* it gets
there. These frozen types are the whole contract between the two, shaped after Alertmanager's
webhook payload (version 4) so that every receiver can render from them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["firing", "resolved"]
Severity = Literal["critical", "warning", "info"]


def fingerprint(labels: dict[str, str]) -> str:
    """A stable hash of a label set: the identity of an alert instance (annotations never count)."""
    text = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Alert:
    """One alert instance as receivers see it (Alertmanager's `alerts[]` item)."""

    status: Status
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None = None  # set once resolved
    value: float | None = None
    generator_url: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)


@dataclass(frozen=True)
class Notification:
    """One message for one receiver about one alert group.

    `key` is the idempotency key (group key + status + sequence number of the group's
    notifications): the outbox stores a notification once per key, and the key's hash (`id`)
    travels to the receiver as `webhook-id`, PagerDuty's `dedup_key` basis and the e-mail
    Message-ID, so a receiver can drop the one duplicate a crash between send and record can cause.
    """

    receiver: str
    group_key: str
    sequence: int
    status: Status
    group_labels: dict[str, str]
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    alerts: tuple[Alert, ...]
    created_at: datetime
    external_url: str = ""
    extra: dict[str, object] = field(default_factory=dict)  # additive x_ fields (incident, runbook)

    @property
    def key(self) -> str:
        return f"{self.receiver}\x1f{self.group_key}\x1f{self.status}\x1f{self.sequence}"

    @property
    def id(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()[:32]
