"""Migrations: applied at start, recorded, applied once; generated views re-applied when they change;
the OpenTelemetry tables carry the exporter's exact columns and types."""

from __future__ import annotations

from spyglass.schema import migrate
from store import query_rows, tables
from store.migrate import Migration, RepeatableMigration, apply
from store.migrations import MIGRATIONS

MAP = "Map(LowCardinality(String), String)"
# The exporter's INSERT columns and types (otel-contracts.md, section 1).
EXPORTER_COLUMNS = {
    "otel_traces": {
        "Timestamp": "DateTime64(9)", "TraceId": "String", "SpanId": "String", "ParentSpanId": "String",
        "TraceState": "String", "SpanName": "LowCardinality(String)", "SpanKind": "LowCardinality(String)",
        "ServiceName": "LowCardinality(String)", "ResourceAttributes": MAP, "ScopeName": "String",
        "ScopeVersion": "String", "SpanAttributes": MAP, "Duration": "UInt64",
        "StatusCode": "LowCardinality(String)", "StatusMessage": "String",
        "Events.Timestamp": "Array(DateTime64(9))", "Events.Name": "Array(LowCardinality(String))",
        "Events.Attributes": f"Array({MAP})", "Links.TraceId": "Array(String)", "Links.SpanId": "Array(String)",
        "Links.TraceState": "Array(String)", "Links.Attributes": f"Array({MAP})",
    },
    "otel_logs": {
        "Timestamp": "DateTime64(9)", "TraceId": "String", "SpanId": "String", "TraceFlags": "UInt8",
        "SeverityText": "LowCardinality(String)", "SeverityNumber": "UInt8", "ServiceName": "LowCardinality(String)",
        "Body": "String", "ResourceSchemaUrl": "LowCardinality(String)", "ResourceAttributes": MAP,
        "ScopeSchemaUrl": "LowCardinality(String)", "ScopeName": "String", "ScopeVersion": "LowCardinality(String)",
        "ScopeAttributes": MAP, "LogAttributes": MAP, "EventName": "String",
    },
    "otel_traces_trace_id_ts": {"TraceId": "String", "Start": "DateTime", "End": "DateTime"},
}
METRIC_COMMON = {
    "ResourceAttributes": MAP, "ResourceSchemaUrl": "String", "ScopeName": "String", "ScopeVersion": "String",
    "ScopeAttributes": MAP, "ScopeDroppedAttrCount": "UInt32", "ScopeSchemaUrl": "String",
    "ServiceName": "LowCardinality(String)", "MetricName": "LowCardinality(String)", "MetricDescription": "String",
    "MetricUnit": "String", "Attributes": MAP, "Flags": "UInt32",
}
EXEMPLARS = {"Exemplars.FilteredAttributes": f"Array({MAP})", "Exemplars.TimeUnix": "Array(DateTime64(9))",
             "Exemplars.Value": "Array(Float64)", "Exemplars.SpanId": "Array(String)",
             "Exemplars.TraceId": "Array(String)"}
METRIC_EXTRA = {
    "gauge": {"Value": "Float64", **EXEMPLARS},
    "sum": {"Value": "Float64", **EXEMPLARS, "AggregationTemporality": "Int32", "IsMonotonic": "Bool"},
    "histogram": {"Count": "UInt64", "Sum": "Float64", "BucketCounts": "Array(UInt64)",
                  "ExplicitBounds": "Array(Float64)", **EXEMPLARS, "Min": "Float64", "Max": "Float64",
                  "AggregationTemporality": "Int32"},
    "exponential_histogram": {"Count": "UInt64", "Sum": "Float64", "Scale": "Int32", "ZeroCount": "UInt64",
                              "PositiveOffset": "Int32", "PositiveBucketCounts": "Array(UInt64)",
                              "NegativeOffset": "Int32", "NegativeBucketCounts": "Array(UInt64)", **EXEMPLARS,
                              "Min": "Float64", "Max": "Float64", "AggregationTemporality": "Int32"},
    "summary": {"Count": "UInt64", "Sum": "Float64", "ValueAtQuantiles.Quantile": "Array(Float64)",
                "ValueAtQuantiles.Value": "Array(Float64)"},
}


def _columns(store, table: str) -> dict[str, str]:
    return {r["name"]: r["type"] for r in query_rows(store, f"DESCRIBE TABLE {table}")}


def test_otel_tables_have_the_exporters_columns_and_types(store):
    for table, expected in EXPORTER_COLUMNS.items():
        columns = _columns(store, table)
        if table == "otel_traces":  # and our ingestion time, which the exporter's INSERT leaves to its DEFAULT
            assert columns.pop("ingested_at") == "DateTime64(3, 'UTC')"
            default = query_rows(store, "SELECT default_kind, default_expression FROM system.columns WHERE "
                                        "database = currentDatabase() AND table = 'otel_traces' "
                                        "AND name = 'ingested_at'")
            assert default == [{"default_kind": "DEFAULT", "default_expression": "now64(3)"}]
        assert columns == expected, table
    for kind, extra in METRIC_EXTRA.items():
        columns = _columns(store, f"otel_metrics_{kind}")
        times = {columns.pop("StartTimeUnix"), columns.pop("TimeUnix")}
        assert times == {"DateTime64(9)"}, "the exporter's older, nanosecond form (both are accepted by its INSERT)"
        assert columns == {**METRIC_COMMON, **extra}, kind


def test_llm_calls_has_typed_columns(store):
    columns = _columns(store, "llm_calls")
    for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"):
        assert columns[name] == "Int64"
    assert columns["timestamp"] == "DateTime64(9, 'UTC')"
    assert columns["ttft_ns"] == "Nullable(UInt64)" and columns["duration_ns"] == "UInt64"
    assert columns["finish_reasons"] == "Array(LowCardinality(String))"
    for name in ("trace_id", "span_id", "parent_span_id", "project", "service_name", "environment", "operation",
                 "provider", "request_model", "response_model", "status", "error_type", "team", "feature",
                 "user_id", "session_id", "host_name"):
        assert "String" in columns[name], name


def test_migrations_are_recorded_and_applied_once(store):
    ledger = query_rows(store, "SELECT key, name FROM schema_migrations FINAL ORDER BY key")
    assert [r["key"] for r in ledger] == ["R:llm_calls view", *(f"V{m.version:04d}" for m in MIGRATIONS)]
    versions = [m.version for m in MIGRATIONS]
    assert sorted(versions) == list(range(1, len(versions) + 1)), \
        "numbered from 1 without gaps"
    assert migrate(store) == []

    extra = Migration(99, "probe", lambda ddl: ["CREATE TABLE IF NOT EXISTS probe (x UInt8) ENGINE = Memory"])
    assert apply(store, [*MIGRATIONS, extra]) == ["V0099"]
    assert apply(store, [*MIGRATIONS, extra]) == []


def test_a_repeatable_migration_runs_again_when_its_sql_changes(store):
    def view(sql: str) -> RepeatableMigration:
        return RepeatableMigration("probe view", lambda ddl: [f"CREATE VIEW IF NOT EXISTS probe_v AS {sql}"],
                                   lambda ddl: ["DROP VIEW IF EXISTS probe_v"])

    assert apply(store, [], [view("SELECT 1 AS x")]) == ["R:probe view"]
    assert apply(store, [], [view("SELECT 1 AS x")]) == []
    assert apply(store, [], [view("SELECT 2 AS x")]) == ["R:probe view"]
    assert query_rows(store, "SELECT x FROM probe_v") == [{"x": 2}]


def test_the_table_names_queries_use_are_the_tables_the_migrations_make(store):
    existing = {row["name"] for row in query_rows(
        store, "SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert {tables.GPU_MINUTES, tables.GPU_HOURS} <= existing
    for table in ("cost_hourly", "cost_slices", tables.COST_DAYS):
        key = query_rows(store, "SELECT sorting_key FROM system.tables WHERE database = currentDatabase() "
                                "AND name = {t:String}", {"t": table})[0]["sorting_key"]
        assert [c.strip() for c in key.split(",")][1:1 + len(tables.COST_DIMENSIONS)] == list(tables.COST_DIMENSIONS)
    for table, dimensions in ((tables.CALL_MINUTES, tables.CALL_DIMENSIONS), (tables.CALL_HOURS, tables.CALL_DIMENSIONS),
                              (tables.CALL_DAYS, tables.CALL_DIMENSIONS),
                              (tables.OPERATION_MINUTES, tables.OPERATION_DIMENSIONS),
                              (tables.OPERATION_HOURS, tables.OPERATION_DIMENSIONS),
                              (tables.OPERATION_DAYS, tables.OPERATION_DIMENSIONS)):
        key = query_rows(store, "SELECT sorting_key FROM system.tables WHERE database = currentDatabase() "
                                "AND name = {t:String}", {"t": table})[0]["sorting_key"]
        assert [c.strip() for c in key.split(",")] == ["period", *dimensions], table
