"""`gpu_samples_1m`, `gpu_samples_1h`: gpu_samples rolled up per GPU × source × minute / hour.

Why: the fleet view over 24 h of 1,000 GPUs at 5 s reads 17 M sample rows; on two (shared)
cores that took 2.7 s (docs/benchmarks.md). Every GPU query can be answered from partial
aggregates of a period: means are sums / counts, peaks are maxima, p95 utilisation merges
histogram states of utilisation in permille (`quantileTiming`, exact for values below 1024,
so exact to 0.1 %; a t-digest state of an hour's samples holds hundreds of centroids and was
3x slower to merge). The minute rollup (12x fewer rows than 5 s samples) serves time series
and idle stretches, which work on one-minute means. The fleet view would still merge 1.4 M
states a day from it, so it reads whole hours from the hour rollup (24 rows per GPU a day)
and only the window's partial hours from minutes (store/queries/gpu.py).

Filled by materialised views on every insert into gpu_samples (whatever the source:
collector, scraper, a backfill), and backfilled from gpu_samples here. AggregatingMergeTree
keyed (project, host_name, gpu_uuid, mig_instance, source_rank, period): one insert block
gives one partial row per key and background merges combine them; readers aggregate again,
so unmerged partials never double count. The source stays in the key (as its rank), so the
dcgm > agent > otlp precedence is still decided per GPU over the queried window at read
time, exactly as `gpu_samples_preferred` does.

Columns are named apart from what the queries output (`*_last`, `*_peak`, `*_sum`, ...)
so an output alias never shadows an input column inside an aggregate.
"""

from store.ddl import DDL, TableSpec
from store.migrations.m0003_gpu_samples import SOURCE_RANK_SQL

NAME = "gpu_samples_rollups"
MINUTE_TABLE, HOUR_TABLE = "gpu_samples_1m", "gpu_samples_1h"

ROLLUP_KEY = "project, host_name, gpu_uuid, mig_instance, source_rank, period"


def _aggregates(period: str) -> str:
    """One period's partial aggregates of samples, `period` being e.g. toStartOfMinute(timestamp)."""
    return f"""project, host_name, gpu_uuid, mig_instance, {SOURCE_RANK_SQL} AS source_rank,
    {period} AS period,
    any(source) AS source_any,
    anyLast(gpu_index) AS gpu_index_last,
    anyLast(gpu_model) AS gpu_model_last,
    anyLast(mig_profile) AS mig_profile_last,
    max(timestamp) AS last_seen_max,
    count() AS sample_count,
    sum(ifNull(utilization, 0)) AS utilization_sum,
    count(utilization) AS utilization_count,
    quantileTimingStateIf(0.95)(toUInt16(round(greatest(ifNull(utilization, 0), 0) * 1000)),
                                utilization IS NOT NULL) AS utilization_permille_hist,
    sum(ifNull(memory_used_bytes, 0)) AS memory_used_sum,
    count(memory_used_bytes) AS memory_used_count,
    max(memory_used_bytes) AS memory_used_peak,
    max(memory_total_bytes) AS memory_total_peak,
    sum(ifNull(power_watts, 0)) AS power_sum,
    count(power_watts) AS power_count"""


_BODY = """    `project` LowCardinality(String),
    `host_name` LowCardinality(String),
    `gpu_uuid` LowCardinality(String),
    `mig_instance` LowCardinality(String),
    `source_rank` UInt8,
    `period` DateTime('UTC') CODEC(Delta, ZSTD(1)),
    `source_any` SimpleAggregateFunction(any, LowCardinality(String)),
    `gpu_index_last` SimpleAggregateFunction(anyLast, Nullable(Int32)),
    `gpu_model_last` SimpleAggregateFunction(anyLast, LowCardinality(String)),
    `mig_profile_last` SimpleAggregateFunction(anyLast, LowCardinality(String)),
    `last_seen_max` SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    `sample_count` SimpleAggregateFunction(sum, UInt64),
    `utilization_sum` SimpleAggregateFunction(sum, Float64),
    `utilization_count` SimpleAggregateFunction(sum, UInt64),
    `utilization_permille_hist` AggregateFunction(quantileTiming(0.95), UInt16),
    `memory_used_sum` SimpleAggregateFunction(sum, UInt64),
    `memory_used_count` SimpleAggregateFunction(sum, UInt64),
    `memory_used_peak` SimpleAggregateFunction(max, Nullable(UInt64)),
    `memory_total_peak` SimpleAggregateFunction(max, Nullable(UInt64)),
    `power_sum` SimpleAggregateFunction(sum, Float64),
    `power_count` SimpleAggregateFunction(sum, UInt64)"""

# Each rollup: its table and the period its rows aggregate.
ROLLUPS = ((MINUTE_TABLE, "toStartOfMinute(timestamp)"), (HOUR_TABLE, "toStartOfHour(timestamp)"))


def _spec(name: str) -> TableSpec:
    return TableSpec(name=name, body=_BODY, engine="AggregatingMergeTree", partition_by="toDate(period)",
                     order_by=f"({ROLLUP_KEY})", sharding_key="cityHash64(host_name, gpu_uuid)")


def statements(ddl: DDL) -> list[str]:
    out: list[str] = []
    for table, period in ROLLUPS:
        select = f"SELECT {_aggregates(period)}\nFROM {{source}}\nGROUP BY {ROLLUP_KEY}"
        out += [
            *ddl.create_table(_spec(table)),
            *ddl.create_materialized_view(f"{table}_mv", table, select.format(source=ddl.source("gpu_samples"))),
            # Samples stored before this migration (nothing ingests while migrations run); the guard keeps
            # a start that died after this insert but before recording the migration from adding them twice.
            f"INSERT INTO {table} SELECT * FROM ({select.format(source='gpu_samples')})\n"
            f"WHERE (SELECT count() FROM {table}) = 0",
        ]
    return out
