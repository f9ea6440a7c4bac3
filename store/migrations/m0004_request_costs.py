"""`request_costs`, `request_cost_history`, `job_watermarks`: the cost job's output and progress.

`request_costs` holds one row per priced LLM call (pipelines/costs/job.py). It is a
ReplacingMergeTree versioned by `priced_at` with the same sort key as `llm_calls`, ending
in (trace_id, span_id): re-pricing a window (the job's look-back, a reprice) inserts rows
with the same key and a newer `priced_at`, and readers use FINAL to see only the latest.
A call no catalog entry prices, or whose token counts are inconsistent, is stored with
`priced = false`, a `reason`, and NULL costs: never a silent 0.

`request_cost_history` is a plain MergeTree copy of every row ever written to
`request_costs`: the audit trail that shows what a call cost under each catalog version.

`job_watermarks` records how far each incremental job got (ReplacingMergeTree by
`updated_at`, read with FINAL).
"""

from store.ddl import DDL, TableSpec

NAME = "request_costs"

_MONEY = "Nullable(Decimal(38, 12)) CODEC(ZSTD(1))"

_BODY = f"""    `timestamp` DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    `trace_id` String CODEC(ZSTD(1)),
    `span_id` String CODEC(ZSTD(1)),
    `project` LowCardinality(String) CODEC(ZSTD(1)),
    `service_name` LowCardinality(String) CODEC(ZSTD(1)),
    `environment` LowCardinality(String) CODEC(ZSTD(1)),
    `team` LowCardinality(String) CODEC(ZSTD(1)),
    `feature` LowCardinality(String) CODEC(ZSTD(1)),
    `user_id` String CODEC(ZSTD(1)),
    `provider` LowCardinality(String) CODEC(ZSTD(1)),
    `model` LowCardinality(String) CODEC(ZSTD(1)),
    `input_tokens` Int64 CODEC(T64, ZSTD(1)),
    `output_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_read_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_write_tokens` Int64 CODEC(T64, ZSTD(1)),
    `reasoning_tokens` Int64 CODEC(T64, ZSTD(1)),
    `priced` Bool CODEC(ZSTD(1)),
    `reason` LowCardinality(String) CODEC(ZSTD(1)),
    `flags` Array(LowCardinality(String)) CODEC(ZSTD(1)),
    `entry_id` LowCardinality(String) CODEC(ZSTD(1)),
    `rule` LowCardinality(String) CODEC(ZSTD(1)),
    `tier` Nullable(Int64) CODEC(ZSTD(1)),
    `currency` LowCardinality(String) CODEC(ZSTD(1)),
    `cost_input` {_MONEY},
    `cost_cache_read` {_MONEY},
    `cost_cache_write` {_MONEY},
    `cost_output` {_MONEY},
    `cost_reasoning` {_MONEY},
    `cost_request_fee` {_MONEY},
    `cost_total` {_MONEY},
    `catalog_version` LowCardinality(String) CODEC(ZSTD(1)),
    `priced_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))"""

REQUEST_COSTS = TableSpec(
    name="request_costs",
    body=_BODY,
    engine="ReplacingMergeTree",
    engine_args=("priced_at",),
    partition_by="toDate(timestamp)",
    order_by="(project, service_name, model, timestamp, trace_id, span_id)",
    sharding_key="cityHash64(trace_id)",
)

REQUEST_COST_HISTORY = TableSpec(
    name="request_cost_history",
    body=_BODY,
    partition_by="toDate(timestamp)",
    order_by="(project, service_name, model, timestamp, trace_id, span_id, priced_at)",
    sharding_key="cityHash64(trace_id)",
)

JOB_WATERMARKS = TableSpec(
    name="job_watermarks",
    body="""    `job` LowCardinality(String),
    `watermark` DateTime64(3, 'UTC'),
    `updated_at` DateTime64(3, 'UTC')""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    order_by="(job)",
    sharding_key="cityHash64(job)",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(REQUEST_COSTS), *ddl.create_table(REQUEST_COST_HISTORY),
            *ddl.create_table(JOB_WATERMARKS)]
