"""Durable group commit: many requests' rows, one insert per table, then every request answered.

A request hands its rows to `submit` and waits on the returned future; the future
resolves only after the rows are committed to the store, so an acknowledged request is
durable. The writer thread gathers submissions until `max_rows` rows or `linger`
seconds, inserts one Arrow table per store table, then resolves every future of the
batch: all with success, or all with a retryable error when any insert failed. The queue
is bounded in rows (including the batch being written); a full queue refuses new work
at once (the transport answers 503/UNAVAILABLE with a retry delay).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field

import pyarrow as pa
from opentelemetry.metrics import Meter, NoOpMeter, Observation

from store import Store, StoreUnavailable

log = logging.getLogger(__name__)


class QueueFull(StoreUnavailable):
    """The write queue is at its bound; the client should retry after a short delay."""


@dataclass
class BatcherStats:
    batches: int = 0
    rows: int = 0
    failed_batches: int = 0
    last_error: str = ""
    rows_by_table: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class _Pending:
    tables: dict[str, pa.Table]
    rows: int
    future: Future
    queued_at: float


class Batcher:
    def __init__(self, store: Store, max_rows: int = 20_000, linger: float = 0.05,
                 max_queue_rows: int = 1_000_000, meter: Meter | None = None) -> None:
        self.store = store
        self.max_rows = max_rows
        self.linger = linger
        self.max_queue_rows = max_queue_rows
        self.stats = BatcherStats()
        self._queue: deque[_Pending] = deque()
        self._queued_rows = 0
        self._in_flight_rows = 0
        self._cond = threading.Condition()
        self._closing = False
        meter = meter or NoOpMeter("spyglass")
        self._commit_seconds = meter.create_histogram(
            "spyglass.writer.commit.duration", unit="s", description="Time to commit one batch, by outcome")
        self._batch_rows = meter.create_histogram(
            "spyglass.writer.batch.rows", unit="{row}", description="Rows per committed batch")
        meter.create_observable_gauge(
            "spyglass.writer.queue.rows", [lambda _: [Observation(self.queued_rows)]], unit="{row}",
            description="Rows waiting for a commit (including the batch being written)")
        self._thread = threading.Thread(target=self._run, name="spyglass-writer", daemon=True)
        self._thread.start()

    @property
    def queued_rows(self) -> int:
        return self._queued_rows + self._in_flight_rows

    def submit(self, tables: dict[str, pa.Table]) -> Future:
        """Queue rows for the next commit; the future resolves once they are durable."""
        future: Future = Future()
        rows = sum(t.num_rows for t in tables.values())
        if rows == 0:
            future.set_result(None)
            return future
        with self._cond:
            if self._closing:
                raise StoreUnavailable("the collector is shutting down")
            # An empty queue takes any request, so one larger than the bound still gets through.
            if self.queued_rows and self.queued_rows + rows > self.max_queue_rows:
                raise QueueFull(f"write queue full ({self.queued_rows} rows pending)")
            self._queue.append(_Pending(tables, rows, future, time.monotonic()))
            self._queued_rows += rows
            self._cond.notify()
        return future

    def close(self, timeout: float = 30.0) -> None:
        """Stop accepting, write everything queued, then return (SIGTERM drains through here)."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)

    def _take(self) -> list[_Pending]:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            if not self._queue:
                return []
            # The linger counts from when the writer is free for this batch: for a request arriving
            # at an idle writer that is its arrival; under load it is the end of the previous
            # commit, so rows that queued up during that commit wait up to one linger for more.
            # Small batches cost the store several times more per row (each insert is a part, and
            # background merges rewrite small parts again and again: docs/benchmarks.md section 7).
            deadline = time.monotonic() + self.linger
            while self._queued_rows < self.max_rows and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            batch: list = []
            taken = 0
            while self._queue and (taken < self.max_rows or not batch):
                item = self._queue.popleft()
                batch.append(item)
                taken += item.rows
            self._queued_rows -= taken
            self._in_flight_rows = taken
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            started = time.monotonic()
            try:
                self._commit(batch)
            except Exception as exc:  # any store failure: every request of the batch may retry
                self._commit_seconds.record(time.monotonic() - started, {"outcome": "failed"})
                self.stats.failed_batches += 1
                self.stats.last_error = str(exc)
                log.error("commit failed rows=%d error=%s", self._in_flight_rows, exc)
                error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc))
                for item in batch:
                    item.future.set_exception(error)
            else:
                self._commit_seconds.record(time.monotonic() - started, {"outcome": "committed"})
                self._batch_rows.record(sum(item.rows for item in batch))
                for item in batch:
                    item.future.set_result(None)
            finally:
                with self._cond:
                    self._in_flight_rows = 0

    def _commit(self, batch: list[_Pending]) -> None:
        by_table: dict[str, list[pa.Table]] = defaultdict(list)
        for item in batch:
            for name, table in item.tables.items():
                by_table[name].append(table)
        for name, parts in by_table.items():
            table = parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="default")
            self.store.insert_arrow(name, table)
            self.stats.rows_by_table[name] += table.num_rows
            self.stats.rows += table.num_rows
        self.stats.batches += 1
