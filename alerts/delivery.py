"""The delivery worker's parts: one lane per receiver, and the recorder that writes outcomes in batches.

A lane holds its receiver's due notifications (a heap by next attempt) and its own threads and connection
pool, so a receiver that hangs holds only its own threads, each for at most one request timeout, and never
delays another receiver or the engine that enqueues. The recorder gathers the row versions the lanes
produce and writes them in one insert per short linger (like the collector's batcher), so a lane never waits
on the store; a failed write is retried until it succeeds or the outbox stops.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alerts.model import Notification
from alerts.notifiers.base import Delivery, Notifier, redact
from alerts.retry import DeliveryPolicy, advance
from store.base import Store
from store.queries import notifications as outbox_rows
from store.queries.notifications import NotificationRow

log = logging.getLogger(__name__)


@dataclass
class LaneStats:
    delivered: int = 0
    retries: int = 0
    dead_lettered: int = 0
    last_error: str = ""
    last_error_at: str | None = None


@dataclass(order=True)
class _Due:
    due: datetime
    order: int
    row: NotificationRow = field(compare=False)
    notification: Notification = field(compare=False)


class Lane:
    """One receiver: its due notifications and the threads that send them."""

    def __init__(self, notifier: Notifier, policy: DeliveryPolicy, clock: Callable[[], datetime],
                 jitter: Callable[[], float], on_outcome: Callable[[NotificationRow, Delivery, float], None]) -> None:
        self.notifier = notifier
        self.name = notifier.config.name
        self.stats = LaneStats()
        self._policy, self._clock, self._jitter, self._on_outcome = policy, clock, jitter, on_outcome
        self._heap: list[_Due] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._cond = threading.Condition()
        self._closing = False
        self._threads = [threading.Thread(target=self._run, name=f"spyglass-notify-{self.name}-{i}", daemon=True)
                         for i in range(policy.workers_per_receiver)]

    @property
    def queued(self) -> int:
        return len(self._heap)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def add(self, row: NotificationRow, notification: Notification) -> bool:
        """Queue a pending row; False (nothing queued) when the lane holds its maximum."""
        with self._cond:
            if len(self._heap) + self._in_flight >= self._policy.max_queued_per_receiver:
                return False
            heapq.heappush(self._heap, _Due(row.next_attempt_at, next(self._order), row, notification))
            self._cond.notify()
        return True

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, deadline: float) -> None:
        """Stop taking work; wait for sends in progress until `deadline` (monotonic), then leave them."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for thread in self._threads:
            if thread.ident is not None:  # started
                thread.join(max(0.0, deadline - time.monotonic()))
        self.notifier.close()

    def _take(self) -> _Due | None:
        with self._cond:
            while not self._closing:
                wait = (self._heap[0].due - self._clock()).total_seconds() if self._heap else None
                if wait is not None and wait <= 0:
                    self._in_flight += 1
                    return heapq.heappop(self._heap)
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        while (item := self._take()) is not None:
            started = time.monotonic()
            try:
                delivery = self.notifier.send(item.notification)
            except Exception as exc:  # a notifier bug must not kill the lane: retried, and logged with its trace
                log.exception("receiver=%s notification=%s send raised", self.name, item.row.id)
                delivery = Delivery.retry(redact(f"{type(exc).__name__}: {exc}", self.notifier.config.secrets()))
            seconds = time.monotonic() - started
            now = self._clock()
            row = advance(item.row, delivery, now, self._policy, self._jitter())
            self._on_outcome(row, delivery, seconds)  # recorded before it stops counting as in flight
            with self._cond:
                self._count(delivery, row, now)
                self._in_flight -= 1
                if row.state == "pending" and not self._closing:
                    heapq.heappush(self._heap, _Due(row.next_attempt_at, next(self._order), row, item.notification))

    def _count(self, delivery: Delivery, row: NotificationRow, now: datetime) -> None:
        if delivery.outcome != "delivered":
            self.stats.last_error, self.stats.last_error_at = row.last_error, now.isoformat()
        if row.state == "delivered":
            self.stats.delivered += 1
        elif row.state == "dead":
            self.stats.dead_lettered += 1
            log.warning("receiver=%s notification=%s dead-lettered after %d attempts: %s", self.name, row.id,
                        row.attempts, row.last_error)
        else:
            self.stats.retries += 1


class Recorder:
    """Writes row versions in batches; `put` returns a sequence number, `flushed` the highest one written."""

    def __init__(self, store: Store, linger: float = 0.02, max_rows: int = 2000) -> None:
        self._store, self._linger, self._max_rows = store, linger, max_rows
        self._rows: list[tuple[int, NotificationRow]] = []
        self._seq = 0
        self.flushed = 0
        self.failures = 0
        self.last_error = ""
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="spyglass-outbox-recorder", daemon=True)
        self._thread.start()

    @property
    def queued(self) -> int:
        return len(self._rows)

    @property
    def idle(self) -> bool:
        """Every row version put so far is written."""
        return self.flushed == self._seq

    def put(self, row: NotificationRow) -> int | None:
        """Queue a row version; None once the recorder is closed (the row is not written)."""
        with self._cond:
            if self._closing:
                return None
            self._seq += 1
            self._rows.append((self._seq, row))
            self._cond.notify()
            return self._seq

    def close(self, timeout: float) -> None:
        """Write what is queued (one last try when the store fails), then stop."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._rows and not self._closing:
                    self._cond.wait()
                if not self._rows:
                    return
                deadline = time.monotonic() + self._linger
                while len(self._rows) < self._max_rows and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                batch, self._rows = self._rows[:self._max_rows], self._rows[self._max_rows:]
            if not self._write(batch):
                with self._cond:
                    if self._closing:
                        log.error("outbox recorder stopped with %d row versions unwritten: %s",
                                  len(batch) + len(self._rows), self.last_error)
                        return
                    self._rows[:0] = batch
                    self._cond.wait(1.0)

    def _write(self, batch: list[tuple[int, NotificationRow]]) -> bool:
        try:
            outbox_rows.insert(self._store, [row for _, row in batch])
        except Exception as exc:  # the store is down: keep the rows and try again
            self.failures += 1
            self.last_error = str(exc)
            log.error("outbox recorder could not write %d row versions: %s", len(batch), exc)
            return False
        self.flushed = batch[-1][0]
        return True
