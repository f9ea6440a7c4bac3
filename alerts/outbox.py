"""The notification outbox: every notification is stored before it is sent, then delivered at least once.

`enqueue` writes the engine's notifications to the `notifications` table (one row per id, the hash of the
idempotency key: receiver, group key, status, sequence; a notification already there is not written or sent
again) and returns once they are durable. The delivery worker (one lane per receiver, alerts/delivery.py)
sends each due notification, and every outcome is a new version of its row: delivered; pending again with the
next attempt after a backoff (network errors, 5xx, 429 with its Retry-After); dead after a permanent refusal or
the last allowed attempt, visible in `list_notifications` until `replay` makes it pending again. `start`
resumes every pending row, so a restart loses nothing; a poll picks up rows another process queued or
replayed.

Delivery is at least once: a crash after a receiver accepted a notification and before its outcome was written
sends it once more after the restart, with the same id (`webhook-id`, the e-mail Message-ID; PagerDuty's
dedup_key and Alertmanager's labels are per group and alert), so the receiver can drop it. Nothing else is
sent twice: a row is held by one lane and sent by one thread at a time.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from opentelemetry.metrics import Meter, NoOpMeter, Observation

from alerts import codec, retry
from alerts.delivery import Lane, Recorder
from alerts.model import Notification
from alerts.notifiers import Delivery, ReceiverBase, build
from alerts.retry import DeliveryPolicy
from store.base import Store
from store.errors import BadInput, Conflict
from store.queries import notifications as rows_
from store.queries.notifications import STATES, NotificationRow

log = logging.getLogger(__name__)

# The poll rereads rows changed this long before its previous read: other processes' clocks and slow inserts.
_POLL_OVERLAP = timedelta(seconds=60)


def for_receiver(notification: Notification, config: ReceiverBase) -> Notification | None:
    """What the receiver gets: without resolved alerts when it does not want them (None: nothing left to send),
    as Alertmanager filters them before sending."""
    if config.send_resolved:
        return notification
    alerts = tuple(alert for alert in notification.alerts if alert.status == "firing")
    if not alerts:
        return None
    return notification if len(alerts) == len(notification.alerts) else dataclasses.replace(notification,
                                                                                            alerts=alerts)


def new_row(notification: Notification, now: datetime) -> NotificationRow:
    """The first version of a notification's row: pending, due now."""
    return NotificationRow(
        id=notification.id, version=1, receiver=notification.receiver, group_key=notification.group_key,
        status=notification.status, sequence=notification.sequence, idempotency_key=notification.key,
        state="pending", attempts=0, created_at=notification.created_at, next_attempt_at=now, updated_at=now,
        delivered_at=None, last_error="", payload=codec.encode(notification))


class Outbox:
    """The durable outbox and its delivery worker for a set of receivers."""

    def __init__(self, store: Store, receivers: Sequence[ReceiverBase], policy: DeliveryPolicy = DeliveryPolicy(),
                 meter: Meter | None = None, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 jitter: Callable[[], float] = random.random,
                 on_attempt: Callable[[NotificationRow, Delivery, float], None] = lambda row, delivery, seconds: None
                 ) -> None:
        """`on_attempt` sees every delivery attempt as it ends, with its seconds (the service's self-trace)."""
        self._on_attempt = on_attempt
        self.store, self.policy, self._clock = store, policy, clock
        self._configs = {config.name: config for config in receivers}
        self._lanes = {name: Lane(build(config, policy.timeout_seconds, policy.workers_per_receiver), policy, clock,
                                  jitter, self._outcome) for name, config in self._configs.items()}
        self._recorder: Recorder | None = None
        self._lock = threading.Lock()
        self._held: set[str] = set()  # ids queued or in flight in a lane
        self._finished: dict[str, tuple[int, int]] = {}  # id -> (final version, recorder sequence)
        self._overflowed = False
        self._last_read = clock()
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="spyglass-outbox-poll", daemon=True)
        meter = meter or NoOpMeter("spyglass")
        self._attempts = meter.create_counter("spyglass.notifications.attempts", "{attempt}",
                                              "Delivery attempts, by receiver and outcome")
        self._seconds = meter.create_histogram("spyglass.notifications.attempt.duration", "s",
                                               "Time of one delivery attempt, by receiver")
        meter.create_observable_gauge("spyglass.notifications.queued", [self._observe_queued], "{notification}",
                                      "Pending notifications held by the delivery worker, by receiver")

    def start(self) -> None:
        """Resume every pending notification of the outbox, then deliver."""
        self._recorder = Recorder(self.store)
        self._last_read = self._clock()
        self._admit(rows_.pending(self.store))
        for lane in self._lanes.values():
            lane.start()
        self._poller.start()
        log.info("outbox started receivers=%s resumed=%d", ",".join(self._lanes) or "none", len(self._held))

    def enqueue(self, notifications: Sequence[Notification]) -> list[str]:
        """Store notifications (durably, before any is sent) and queue them; returns the ids newly stored.

        BadInput (nothing stored) when one names a receiver that is not configured."""
        unknown = sorted({n.receiver for n in notifications} - set(self._configs))
        if unknown:
            raise BadInput(f"no receiver named {', '.join(map(repr, unknown))} (configured: "
                           f"{', '.join(self._configs) or 'none'})")
        wanted: dict[str, Notification] = {}
        for notification in notifications:
            sent = for_receiver(notification, self._configs[notification.receiver])
            if sent is not None:
                wanted.setdefault(sent.id, sent)
        stored = rows_.existing_ids(self.store, list(wanted))
        fresh = [n for id_, n in wanted.items() if id_ not in stored]
        now = self._clock()
        new_rows = [new_row(n, now) for n in fresh]
        rows_.insert(self.store, new_rows)
        with self._lock:
            for row, notification in zip(new_rows, fresh, strict=True):
                if row.id not in self._held and row.id not in self._finished:  # the poll may have seen it first
                    self._queue(row, notification)
        return [row.id for row in new_rows]

    def sends_resolved(self, receiver: str) -> bool:
        """Whether `receiver` wants resolved messages (the engine's dedup asks before it notifies a resolution)."""
        config = self._configs.get(receiver)
        return config is not None and config.send_resolved

    def stop(self, timeout: float | None = None) -> None:
        """Stop delivering: sends in progress get until `timeout` (default: the request timeout) to finish and
        be recorded; what is left stays pending in the store for the next start."""
        deadline = time.monotonic() + (self.policy.timeout_seconds if timeout is None else timeout)
        self._stopping.set()
        for lane in self._lanes.values():
            lane.stop(deadline)
        if self._recorder is not None:
            self._recorder.close(max(1.0, deadline - time.monotonic()))
        if self._poller.is_alive():
            self._poller.join(max(0.1, deadline - time.monotonic()))

    def status(self) -> dict[str, Any]:
        """Per receiver: pending and dead in the store, what the worker holds, and its last error."""
        try:
            stored: dict[str, dict[str, int]] | None = rows_.counts(self.store)
        except Exception as exc:  # readiness still answers with what the worker knows
            log.warning("outbox counts unavailable: %s", exc)
            stored = None
        receivers = {}
        for name, lane in self._lanes.items():
            counts = (stored or {}).get(name, {})
            receivers[name] = {"type": self._configs[name].type, "queued": lane.queued, "in_flight": lane.in_flight,
                               **dataclasses.asdict(lane.stats)}
            if stored is not None:
                receivers[name] |= {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0)}
        recorder = self._recorder
        return {"receivers": receivers,
                "recorder": {"queued": recorder.queued if recorder else 0,
                             "failures": recorder.failures if recorder else 0,
                             "last_error": recorder.last_error if recorder else ""}}

    def idle(self) -> bool:
        """Nothing queued, in flight or waiting to be written (from memory: no store query)."""
        recorder = self._recorder
        return not any(lane.queued or lane.in_flight for lane in self._lanes.values()) and (
            recorder is None or recorder.idle)

    def _queue(self, row: NotificationRow, notification: Notification) -> None:
        """Hand a pending row to its lane (the caller holds the lock)."""
        if self._lanes[row.receiver].add(row, notification):
            self._held.add(row.id)
        else:  # the lane is full: the row waits in the store, and a later poll reads every pending row
            self._overflowed = True

    def _admit(self, pending: Sequence[NotificationRow]) -> None:
        """Queue pending rows read from the store, except those held or already finished at that version."""
        with self._lock:
            for row in pending:
                finished = self._finished.get(row.id)
                if row.id in self._held or (finished is not None and finished[0] >= row.version):
                    continue
                if row.receiver not in self._lanes:
                    self._record(retry.dead(row, f"receiver {row.receiver!r} is not configured", self._clock()))
                    continue
                self._queue(row, codec.decode(row.payload))

    def _outcome(self, row: NotificationRow, delivery: Delivery, seconds: float) -> None:
        self._attempts.add(1, {"receiver": row.receiver, "outcome": delivery.outcome})
        self._seconds.record(seconds, {"receiver": row.receiver})
        self._on_attempt(row, delivery, seconds)
        with self._lock:
            self._record(row)

    def _record(self, row: NotificationRow) -> None:
        """Write a row version (the caller holds the lock); a finished row is remembered until the poll has
        seen its final version."""
        assert self._recorder is not None
        sequence = self._recorder.put(row)
        if row.state != "pending":
            self._held.discard(row.id)
            if sequence is not None:
                self._finished[row.id] = (row.version, sequence)

    def _poll(self) -> None:
        while not self._stopping.wait(self.policy.poll_seconds):
            assert self._recorder is not None
            flushed, read_at = self._recorder.flushed, self._clock()
            with self._lock:
                full, self._overflowed = self._overflowed, False
            try:
                self._admit(rows_.pending(self.store, None if full else self._last_read - _POLL_OVERLAP))
            except Exception as exc:  # the store is down: try again at the next poll
                log.warning("outbox poll failed: %s", exc)
                continue
            self._last_read = read_at
            with self._lock:  # rows whose final version was written before this read cannot come back stale
                self._finished = {k: v for k, v in self._finished.items() if v[1] > flushed}

    def _observe_queued(self, _options: Any) -> list[Observation]:
        return [Observation(lane.queued + lane.in_flight, {"receiver": name}) for name, lane in self._lanes.items()]


def public(row: NotificationRow) -> dict[str, Any]:
    """A row as the API shows it: its delivery state and the notification it carries."""
    out = dataclasses.asdict(row)
    out["notification"] = json.loads(out.pop("payload"))
    for key in ("created_at", "next_attempt_at", "updated_at", "delivered_at"):
        out[key] = out[key].isoformat().replace("+00:00", "Z") if out[key] is not None else None
    return out


def list_notifications(store: Store, *, state: str | None = None, receiver: str | None = None,
                       group_key: str | None = None, since: datetime | None = None, until: datetime | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
    """Notifications newest first, filtered (for `GET /api/v1/notifications`). BadInput for a bad filter."""
    if state is not None and state not in STATES:
        raise BadInput(f"state must be one of {', '.join(STATES)}, got {state!r}")
    if not 1 <= limit <= 10_000:
        raise BadInput(f"limit must be between 1 and 10000, got {limit}")
    if since is not None and until is not None and since >= until:
        raise BadInput("since must be before until")
    return [public(row) for row in rows_.listing(store, state=state, receiver=receiver, group_key=group_key,
                                                 since=since, until=until, limit=limit)]


def replay(store: Store, notification_id: str, now: datetime) -> dict[str, Any] | None:
    """Make a dead (or delivered) notification pending again, attempts reset, same id; the running worker picks
    it up at its next poll. None when there is no such notification; Conflict when it is still pending."""
    row = rows_.get(store, notification_id)
    if row is None:
        return None
    if row.state == "pending":
        raise Conflict(f"notification {notification_id} is still pending (attempt {row.attempts + 1} due "
                       f"{row.next_attempt_at.isoformat()}); only a dead or delivered notification can be replayed")
    again = retry.replayed(row, now)
    rows_.insert(store, [again])
    return public(again)
