"""`operations_1m`, `operations_1h`: agent, tool and retrieval spans rolled up per minute and per hour, and
`otel_traces.ingested_at`, which tells the rollup job which minutes received spans late.

Why: the operations view (GET /api/v1/operations) read every GenAI span of the range from `otel_traces`;
like the call summary before migration 24, its time grew with spans (issue 19).

Keyed by (period, project, service, operation, name): what the view groups and filters by. Measures:
calls and error calls, each span counted once however often it was delivered, and the duration as a
`quantilesTiming` state of migration 24's log-scale code (same levels, same 1.14 % value bound, so the
readers share one decoder). Only operations that are not model calls are kept (model calls are
`llm_calls` and its rollups); the names and the operation are the collector's alias table rendered at the
time a minute is rolled up.

Exact like migration 24: a closed minute is recomputed from its spans, deduplicated by (trace, span), never
accumulated; the hour from its minute rows; ReplacingMergeTree by `computed_at`, read with FINAL.

`otel_traces.ingested_at` (DEFAULT now64(3)): `otel_traces` is the OpenTelemetry Collector exporter's
schema and had no ingestion time, so nothing said which closed minutes received a late or retried span.
A DEFAULT column is filled by the server on every insert that does not name it: our collector's and the
exporter's own INSERT (its column list is the contract; tests/collector/test_interop.py) work unchanged.
Recording touched minutes in the collector instead would miss the exporter's rows and add a write to the
ingest path. The cost (bench/ingest.py, docs/benchmarks.md section 21) is one 8-byte column, compressed
to about a byte per span (rows of one insert share it). A minmax index lets the job and the readers skip
old granules. Rows stored before this migration would read the default's *current* value (now) until
they are written again, so `MATERIALIZE COLUMN` writes it into the existing parts (a background
mutation: until it finishes, those minutes look freshly ingested and are read raw, which is correct).
"""

from dataclasses import replace

from store.ddl import DDL, TableSpec
from store.migrations.m0024_call_rollups import SKETCH

NAME = "operation rollups"
MINUTE_TABLE, HOUR_TABLE = "operations_1m", "operations_1h"
DIMENSIONS = ("project", "service_name", "operation", "name")
_TEXT = "LowCardinality(String) CODEC(ZSTD(1))"
_COUNT = "UInt64 CODEC(T64, ZSTD(1))"
_COLUMNS = "\n".join(f"    `{d}` {_TEXT}," for d in DIMENSIONS)

OPERATION_MINUTES = TableSpec(
    name=MINUTE_TABLE,
    body=f"""    `period` DateTime('UTC') CODEC(Delta, ZSTD(1)),
{_COLUMNS}
    `calls` {_COUNT},
    `error_calls` {_COUNT},
    `duration_sketch` AggregateFunction({SKETCH}, UInt16),
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toDate(period)",
    order_by=f"(period, {', '.join(DIMENSIONS)})",
    sharding_key="cityHash64(project, toStartOfHour(period))",
)

OPERATION_HOURS = replace(OPERATION_MINUTES, name=HOUR_TABLE)

_INGESTED_AT = "`ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(ZSTD(1))"


def statements(ddl: DDL) -> list[str]:
    return [*ddl.add_column("otel_traces", _INGESTED_AT, after="Links.Attributes"),
            *ddl.materialize_column("otel_traces", "ingested_at"),
            *ddl.add_index("otel_traces", "idx_ingested_at ingested_at TYPE minmax GRANULARITY 1"),
            *ddl.create_table(OPERATION_MINUTES), *ddl.create_table(OPERATION_HOURS)]
