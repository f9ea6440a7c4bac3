"""Migration 26's `otel_traces.ingested_at`: spans stored before it get one ingestion time that stays put (not the
DEFAULT's now at every read, which would make every old minute look freshly ingested forever), and spans
inserted as the exporter inserts them (without the column) get theirs from the DEFAULT."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spyglass.schema import migrate
from store import Store, query_rows
from store.ddl import DDL
from store.migrations import m0026_operation_rollups
from tests.helpers import stores
from tests.helpers.wait import eventually

# As the OpenTelemetry Collector's ClickHouse exporter inserts: its own columns only.
SPANS = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes, Duration, StatusCode)
SELECT now64(9) - toIntervalSecond(number), hex(number), hex(number + 1000), 'execute_tool search', 'agent-app',
    map('gen_ai.operation.name', 'execute_tool'), 1000000, 'Unset'
FROM numbers({first:UInt64}, 100)"""
TIMES = "SELECT SpanId, ingested_at FROM otel_traces ORDER BY SpanId"


@pytest.fixture
def store_before(backend: str, chdb_dir: Path) -> Iterator[Store]:
    """A store migrated up to the migration before 26."""
    with stores.store_before(backend, chdb_dir, 26) as opened:
        yield opened


def test_old_spans_get_a_fixed_ingestion_time_and_new_ones_the_default(store_before):
    store_before.command(SPANS, {"first": 0})
    assert "V0026" in migrate(store_before)
    eventually(lambda: not query_rows(store_before, "SELECT 1 FROM system.mutations WHERE database = currentDatabase() "
                                                    "AND table = 'otel_traces' AND NOT is_done"),
               what="the MATERIALIZE COLUMN mutation")
    old = query_rows(store_before, TIMES)
    time.sleep(0.05)
    assert query_rows(store_before, TIMES) == old and len(old) == 100

    store_before.command(SPANS, {"first": 100})
    rows = query_rows(store_before, TIMES)
    new = [r["ingested_at"] for r in rows if r not in old]
    assert len(new) == 100 and min(new) >= max(r["ingested_at"] for r in old)


def test_on_a_cluster_the_column_reaches_the_front_and_is_written_where_the_rows_are():
    statements = m0026_operation_rollups.statements(DDL("spyglass", "prod"))
    added = [s.split(" ON CLUSTER")[0] for s in statements if "ADD COLUMN IF NOT EXISTS `ingested_at`" in s]
    assert added == ["ALTER TABLE `otel_traces_local`", "ALTER TABLE `otel_traces`"]
    assert "ALTER TABLE `otel_traces_local` ON CLUSTER `prod` MATERIALIZE COLUMN `ingested_at`" in statements
