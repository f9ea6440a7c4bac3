"""Group commit, state by state: batches by size and linger, one insert per table, all-or-nothing
answers when a commit fails, a bounded queue, and a drain on close."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pytest

from collector.batcher import Batcher, QueueFull
from store import StoreUnavailable, query_rows


def rows(n: int, start: int = 0) -> dict[str, pa.Table]:
    return {"probe": pa.table({"x": pa.array(range(start, start + n), pa.uint32())})}


@pytest.fixture
def probe(store):
    store.command("CREATE TABLE probe (x UInt32) ENGINE = MergeTree ORDER BY x")
    return store


def parts(store) -> int:
    return query_rows(store, "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() "
                             "AND table = 'probe'")[0]["n"]


def test_concurrent_requests_share_one_insert(probe):
    batcher = Batcher(probe, max_rows=10_000, linger=0.3)
    futures = [batcher.submit(rows(10, i * 10)) for i in range(20)]
    for future in futures:
        assert future.result(10) is None
    assert batcher.stats.batches == 1 and batcher.stats.rows == 200
    assert parts(probe) == 1, "one insert, one part"
    batcher.close()


def test_a_batch_closes_when_it_reaches_max_rows_before_the_linger(probe):
    batcher = Batcher(probe, max_rows=100, linger=30)
    started = time.monotonic()
    first, second = batcher.submit(rows(60)), batcher.submit(rows(60, 60))
    first.result(10)
    second.result(10)
    assert time.monotonic() - started < 10
    batcher.close()


def test_max_rows_splits_batches(probe):
    batcher = Batcher(probe, max_rows=100, linger=0.2)
    futures = [batcher.submit(rows(60, i * 60)) for i in range(4)]
    for future in futures:
        future.result(10)
    assert batcher.stats.batches >= 2
    assert query_rows(probe, "SELECT count() AS n FROM probe") == [{"n": 240}]
    batcher.close()


def test_a_failed_commit_fails_every_request_of_the_batch(probe):
    batcher = Batcher(probe, max_rows=10_000, linger=0.2)
    good = batcher.submit(rows(5))
    bad = batcher.submit({"no_such_table": pa.table({"x": [1]})})
    for future in (good, bad):
        with pytest.raises(StoreUnavailable):
            future.result(10)
    assert batcher.stats.failed_batches == 1
    assert batcher.submit(rows(3, 100)).result(10) is None, "the writer carries on after a failure"
    batcher.close()


def test_the_queue_is_bounded(probe):
    batcher = Batcher(probe, max_rows=10_000, linger=0.5, max_queue_rows=10)
    first = batcher.submit(rows(8))
    with pytest.raises(QueueFull):
        batcher.submit(rows(5))
    first.result(10)
    assert batcher.submit(rows(5, 50)).result(10) is None, "room again after the commit"
    batcher.close()


def test_close_drains_what_is_queued_and_then_refuses(probe):
    batcher = Batcher(probe, max_rows=10_000, linger=60)
    futures = [batcher.submit(rows(1, i)) for i in range(5)]
    closer = threading.Thread(target=batcher.close)
    closer.start()
    for future in futures:
        future.result(10)
    closer.join(10)
    assert query_rows(probe, "SELECT count() AS n FROM probe") == [{"n": 5}]
    with pytest.raises(StoreUnavailable):
        batcher.submit(rows(1))


def test_rows_queued_during_a_commit_wait_one_linger_for_more(probe):
    """Under load the writer is busy when requests arrive; they must not go as a small batch of their
    own the moment it is free, but gather for one linger (fewer, larger parts for the store)."""
    probe.command("CREATE TABLE probe_slow (x UInt32) ENGINE = MergeTree ORDER BY x")
    probe.command("CREATE MATERIALIZED VIEW probe_slow_mv TO probe_slow AS SELECT x FROM probe WHERE sleep(2) = 0")
    batcher = Batcher(probe, max_rows=10_000, linger=1.0)
    first = batcher.submit(rows(1))   # committed from 1.0 s to about 3.0 s: the view sleeps 2 s
    time.sleep(1.4)
    during = batcher.submit(rows(1, 1))
    first.result(10)
    after = batcher.submit(rows(1, 2))
    during.result(10)
    after.result(10)
    assert batcher.stats.batches == 2, "the rows queued during the commit and the next ones share one batch"
    assert query_rows(probe, "SELECT count() AS n FROM probe") == [{"n": 3}]
    batcher.close()
