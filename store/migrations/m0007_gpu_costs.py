"""`gpu_cost_hourly`, `request_gpu_costs`, `gpu_unknown_host_calls`, `gpu_cost_runs`: GPU cost per request.

Filled by the GPU cost job (pipelines/gpu/job.py), which recomputes whole hours:
every run writes all rows of each hour it recomputes with one `computed_at`, then records
(hour, computed_at) in `gpu_cost_runs`. Readers take, per hour, only the rows of the
latest recorded run (`store/queries/gpu_costs.py`), so:
- a rerun over the same data yields the same rows (idempotent), and rows a later run no
  longer produces (a call re-mapped to another host, an unknown host that became known)
  disappear instead of lingering;
- a run that fails half-way leaves the previous run's rows in force (its marker is
  written last), so readers never see a partial hour.
The data tables are ReplacingMergeTree versioned by `computed_at`, so the superseded
versions of a key are merged away in the background; readers still use FINAL.

Money is Nullable(Decimal(38, 12)): NULL when a GPU on the host has no price (the reason
is in `price_source`), never 0. `request_gpu_costs` is keyed like `llm_calls` (its sort key
ends in trace_id, span_id); `hour` is the call's hour, which is how runs select rows.
"""

from store.ddl import DDL, TableSpec

NAME = "gpu_costs"

_MONEY = "Nullable(Decimal(38, 12)) CODEC(ZSTD(1))"
_VERSION = "`computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))"

GPU_COST_HOURLY = TableSpec(
    name="gpu_cost_hourly",
    body=f"""    `hour` DateTime64(0, 'UTC') CODEC(Delta, ZSTD(1)),
    `project` LowCardinality(String) CODEC(ZSTD(1)),
    `host_name` LowCardinality(String) CODEC(ZSTD(1)),
    `gpu_count` UInt32 CODEC(ZSTD(1)),
    `gpu_seconds` Decimal(38, 9) CODEC(ZSTD(1)),
    `idle_gpu_seconds` Float64 CODEC(ZSTD(1)),
    `priced` Bool CODEC(ZSTD(1)),
    `cost` {_MONEY},
    `allocated` {_MONEY},
    `idle` {_MONEY},
    `calls` UInt64 CODEC(ZSTD(1)),
    `weighted_tokens` Decimal(38, 12) CODEC(ZSTD(1)),
    `price_source` LowCardinality(String) CODEC(ZSTD(1)),
    `price_version` LowCardinality(String) CODEC(ZSTD(1)),
    `currency` LowCardinality(String) CODEC(ZSTD(1)),
    {_VERSION}""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toYYYYMM(hour)",
    order_by="(hour, host_name)",
    sharding_key="cityHash64(host_name)",
)

REQUEST_GPU_COSTS = TableSpec(
    name="request_gpu_costs",
    body=f"""    `hour` DateTime64(0, 'UTC') CODEC(Delta, ZSTD(1)),
    `timestamp` DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
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
    `host_name` LowCardinality(String) CODEC(ZSTD(1)),
    `gpu_host` LowCardinality(String) CODEC(ZSTD(1)),
    `input_tokens` Int64 CODEC(T64, ZSTD(1)),
    `output_tokens` Int64 CODEC(T64, ZSTD(1)),
    `weighted_tokens` Decimal(38, 12) CODEC(ZSTD(1)),
    `priced` Bool CODEC(ZSTD(1)),
    `gpu_cost` {_MONEY},
    `price_source` LowCardinality(String) CODEC(ZSTD(1)),
    `price_version` LowCardinality(String) CODEC(ZSTD(1)),
    `currency` LowCardinality(String) CODEC(ZSTD(1)),
    {_VERSION}""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toDate(timestamp)",
    order_by="(project, service_name, model, timestamp, trace_id, span_id)",
    sharding_key="cityHash64(trace_id)",
)

GPU_UNKNOWN_HOST_CALLS = TableSpec(
    name="gpu_unknown_host_calls",
    body=f"""    `hour` DateTime64(0, 'UTC') CODEC(Delta, ZSTD(1)),
    `project` LowCardinality(String) CODEC(ZSTD(1)),
    `host_name` LowCardinality(String) CODEC(ZSTD(1)),
    `calls` UInt64 CODEC(ZSTD(1)),
    {_VERSION}""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toYYYYMM(hour)",
    order_by="(hour, project, host_name)",
    sharding_key="cityHash64(host_name)",
)

GPU_COST_RUNS = TableSpec(
    name="gpu_cost_runs",
    body=f"""    `hour` DateTime64(0, 'UTC'),
    {_VERSION}""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    order_by="(hour)",
    sharding_key="cityHash64(hour)",
)


def statements(ddl: DDL) -> list[str]:
    return [statement for spec in (GPU_COST_HOURLY, REQUEST_GPU_COSTS, GPU_UNKNOWN_HOST_CALLS, GPU_COST_RUNS)
            for statement in ddl.create_table(spec)]
