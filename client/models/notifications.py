"""Notifications: the outbox's messages to receivers, how their delivery went, and the replay of one."""

from __future__ import annotations

from typing import Literal

from client.models.wire import Timestamp, Wire


class NotificationInfo(Wire):
    """One notification in the outbox: for which receiver and alert group, and how its delivery went.

    Receivers' secrets never appear: a notification names its receiver, and errors are stored scrubbed."""

    id: str  # sent as webhook-id (the e-mail Message-ID, PagerDuty's dedup basis); a replay keeps it
    receiver: str
    group_key: str
    group_labels: dict[str, str]
    status: Literal["firing", "resolved"]
    sequence: int  # the group's notification number for this receiver
    alerts: int  # alert instances it carries
    state: Literal["pending", "delivered", "dead"]
    attempts: int  # since it was stored or last replayed
    created_at: Timestamp
    updated_at: Timestamp
    next_attempt_at: Timestamp  # when a pending notification is due
    delivered_at: Timestamp | None
    last_error: str  # '' when its last attempt (if any) did not fail


class Notifications(Wire):
    """GET /api/v1/notifications: newest first."""

    notifications: list[NotificationInfo]
