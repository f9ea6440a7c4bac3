"""Migration 25 changes codecs only: on a store that already holds spans, calls and costs, every row reads back the
same after it, before and after the parts are rewritten under the new codecs, and new rows still get their
defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spyglass.schema import REPEATABLE, migrate
from store import Store, query_rows
from store.ddl import DDL
from store.migrate import apply
from store.migrations import MIGRATIONS, m0025_storage_codecs
from tests.helpers import stores

SPANS = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes,
    SpanAttributes, Duration, StatusCode)
SELECT toDateTime64('2026-03-02 10:00:00', 9) + toIntervalMillisecond(number * 37), lower(hex(cityHash64(number, 1))),
    lower(hex(cityHash64(number, 2))), if(number % 3 = 0, '', lower(hex(cityHash64(number, 3)))),
    concat('chat ', ['gpt-4o', 'claude-haiku-4-5'][1 + number % 2]), 'Client', ['chat-api', 'support-bot'][1 + number % 2],
    map('service.name', ['chat-api', 'support-bot'][1 + number % 2], 'host.name', concat('host-', toString(number % 5))),
    map('gen_ai.operation.name', 'chat', 'gen_ai.provider.name', ['openai', 'anthropic'][1 + number % 2],
        'gen_ai.request.model', ['gpt-4o', 'claude-haiku-4-5'][1 + number % 2],
        'gen_ai.usage.input_tokens', toString(100 + number % 900), 'gen_ai.usage.output_tokens', toString(number % 300),
        'user.id', concat('user-', toString(number % 40)), 'session.id', concat('sess-', toString(number % 70)),
        'gen_ai.response.id', concat('chatcmpl-', hex(cityHash64(number, 4)))),
    1000000 + cityHash64(number, 5) % 900000000, if(number % 17 = 0, 'Error', 'Unset')
FROM numbers({first:UInt64}, 3000)"""
COSTS = """
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, environment, user_id, provider, model,
    input_tokens, output_tokens, priced, currency, cost_input, cost_output, cost_total, catalog_version, priced_at)
SELECT timestamp, trace_id, span_id, project, service_name, environment, user_id, provider, model, input_tokens,
    output_tokens, true, 'USD', toDecimal128(input_tokens, 12) * toDecimal128('0.0000025', 12) AS ci,
    toDecimal128(output_tokens, 12) * toDecimal128('0.00001', 12) AS co, ci + co, 'v1',
    toDateTime64('2026-03-02 11:00:00', 3, 'UTC') + toIntervalMillisecond(cityHash64(span_id) % 100000)
FROM llm_calls"""
READ = {"otel_traces": "SELECT * FROM otel_traces ORDER BY SpanId",
        "llm_calls": "SELECT *, model FROM llm_calls FINAL ORDER BY span_id",
        "request_costs": "SELECT * FROM request_costs FINAL ORDER BY span_id"}


@pytest.fixture
def store_before(backend: str, chdb_dir: Path) -> Iterator[Store]:
    """A store migrated up to the migration before this one."""
    with stores.store_before(backend, chdb_dir, 25) as opened:
        yield opened


def _codecs(store: Store) -> dict[tuple[str, str], str]:
    return {(r["table"], r["name"]): r["compression_codec"] for r in query_rows(
        store, "SELECT table, name, compression_codec FROM system.columns WHERE database = currentDatabase()")}


def _everything(store: Store) -> dict[str, list[dict]]:
    return {table: store.query_arrow(sql).to_pylist() for table, sql in READ.items()}


def test_rows_read_back_unchanged_after_the_codecs_change(store_before):
    store_before.command(SPANS, {"first": 0})
    store_before.command(SPANS, {"first": 3000})  # two parts per table, merged below under the new codecs
    store_before.command(COSTS)
    before = _everything(store_before)
    assert {table: len(rows) for table, rows in before.items()} == dict.fromkeys(READ, 6000)

    assert apply(store_before, [m for m in MIGRATIONS if m.version <= 25], REPEATABLE) == ["V0025"]
    codecs = _codecs(store_before)
    for table, columns in m0025_storage_codecs.CODECS.items():
        for column, codec in columns.items():
            assert codecs[(table, column)] == f"CODEC({codec})", (table, column)
    assert _everything(store_before) == before
    [rewrites] = query_rows(store_before, "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() "
                                          "AND command LIKE '%CODEC%'")
    assert rewrites["n"] == 0, "a codec change is metadata: a start on a big store must not rewrite it"

    for table in READ:
        store_before.command(f"OPTIMIZE TABLE {table} FINAL")
    assert _everything(store_before) == before


def test_new_rows_keep_their_defaults_after_the_codecs_change(store_before):
    migrate(store_before)
    store_before.command(SPANS, {"first": 0})
    [row] = query_rows(store_before, "SELECT count() AS n, min(ingested_at) > now64(3) - INTERVAL 1 HOUR AS fresh, "
                                     "countIf(user_id = '') AS no_user FROM llm_calls FINAL")
    assert row == {"n": 3000, "fresh": True, "no_user": 0}


def test_on_a_cluster_only_the_tables_that_hold_rows_change():
    statements = m0025_storage_codecs.statements(DDL("spyglass", "prod"))
    assert len(statements) == sum(len(columns) for columns in m0025_storage_codecs.CODECS.values())
    for statement in statements:
        assert statement.startswith("ALTER TABLE `") and "_local` ON CLUSTER `prod` MODIFY COLUMN" in statement
