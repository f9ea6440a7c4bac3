"""`quality_scores`: every quality signal about an LLM call, whatever produced it.

One row per (call, score name, producer): evaluations arriving over OTLP (`source` eval),
user feedback from the API (feedback) and the heuristics job (heuristic). `value` is the
numeric score when there is one, `label` the categorical verdict (either may be empty).

The call's dimensions (service_name, model, team, feature) are copied onto the score so
rollups and drift read one table. Feedback may arrive before its trace: it is stored at
once with empty dimensions and re-inserted with them when the call shows up, so the table
is a ReplacingMergeTree versioned by `updated_at` and keyed by (project, source, name,
timestamp, score_id), `score_id` being a deterministic id of the signal, read with FINAL.
A rewrite replaces a score only with the same timestamp, so writers keep a score's
timestamp stable. The key does not contain the dimensions, because they change when a
score is joined.
"""

from store.ddl import DDL, TableSpec

NAME = "quality_scores"

QUALITY_SCORES = TableSpec(
    name="quality_scores",
    body="""    `timestamp` DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    `project` LowCardinality(String) CODEC(ZSTD(1)),
    `trace_id` String CODEC(ZSTD(1)),
    `span_id` String CODEC(ZSTD(1)),
    `score_id` String CODEC(ZSTD(1)),
    `name` LowCardinality(String) CODEC(ZSTD(1)),
    `value` Nullable(Float64) CODEC(ZSTD(1)),
    `label` LowCardinality(String) CODEC(ZSTD(1)),
    `source` LowCardinality(String) CODEC(ZSTD(1)),
    `evaluator` LowCardinality(String) CODEC(ZSTD(1)),
    `comment` String CODEC(ZSTD(1)),
    `service_name` LowCardinality(String) CODEC(ZSTD(1)),
    `model` LowCardinality(String) CODEC(ZSTD(1)),
    `team` LowCardinality(String) CODEC(ZSTD(1)),
    `feature` LowCardinality(String) CODEC(ZSTD(1)),
    `joined` Bool CODEC(ZSTD(1)),
    `updated_at` DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    partition_by="toDate(timestamp)",
    order_by="(project, source, name, timestamp, score_id)",
    sharding_key="cityHash64(trace_id)",
)


def statements(ddl: DDL) -> list[str]:
    return ddl.create_table(QUALITY_SCORES)
