"""`gpu_samples`: one typed row per GPU (or MIG instance) × sample time × source.

Filled by the collector (collector/normalise/gpu.py) from OTLP `hw.gpu.*` metrics, from DCGM metrics
arriving over OTLP, and from scraped `dcgm-exporter` text. Every source lands in the same
units: utilisation and SM activity as 0-1 fractions, bytes, watts, joules, °C.
A field the source did not report in that sample is NULL, never 0: "idle" and "unknown"
must stay distinguishable for the waste detector.

Layout: plain MergeTree (append-only history, like the metric tables), daily partitions
for time pruning and TTL, sorted by (project, host_name, gpu_uuid, timestamp) because
every reader asks "this GPU (or this host's GPUs) over this window": a per-GPU time series
is one contiguous range of the primary key, and the fleet view reads each GPU's range in
order. `source` is not in the key: two sources for one GPU interleave in time, and the
precedence rule below picks one of them at query time. A client retry can insert a sample
twice; readers aggregate (avg, quantiles, max-min of energy), where a duplicate is harmless,
so no ReplacingMergeTree/FINAL cost is paid. On a cluster, rows shard by GPU, so a GPU's
series lives on one shard.

Source precedence (no double counting when two sources report the same GPU):
dcgm (rank 1) > agent (rank 2) > otlp (rank 3, any other hw.gpu.* emitter). DCGM is what
an operator deliberately runs on a GPU node and carries the k8s pod and MIG attribution and
profiling fields (SM activity); the Spyglass agent is the fallback "for nodes with
neither"; foreign hw.gpu.* emitters come last. The rule is applied per (project, host_name,
gpu_uuid) over the queried window: only the rows of the best-ranked source that reported
that GPU in the window are read. `source_rank` is stored (MATERIALIZED) so the rule lives in
the schema, not in each query; `gpu_samples_preferred(start, end)` is the parameterised view
that applies it, and the fleet queries read through it.
"""

from store.base import quote_identifier as q
from store.ddl import DDL, TableSpec

NAME = "gpu_samples"

# Lower is preferred. Keep in step with collector/normalise/gpu.py SOURCE_* constants.
SOURCE_RANK_SQL = "multiIf(source = 'dcgm', 1, source = 'agent', 2, 3)"

GPU_SAMPLES = TableSpec(
    name="gpu_samples",
    body=f"""    `timestamp` DateTime64(9, 'UTC') CODEC(Delta(8), ZSTD(1)),
    `project` LowCardinality(String) CODEC(ZSTD(1)),
    `host_name` LowCardinality(String) CODEC(ZSTD(1)),
    `gpu_uuid` LowCardinality(String) CODEC(ZSTD(1)),
    `gpu_index` Nullable(Int32) CODEC(ZSTD(1)),
    `gpu_model` LowCardinality(String) CODEC(ZSTD(1)),
    `gpu_vendor` LowCardinality(String) CODEC(ZSTD(1)),
    `mig_profile` LowCardinality(String) CODEC(ZSTD(1)),
    `mig_instance` LowCardinality(String) CODEC(ZSTD(1)),
    `utilization` Nullable(Float64) CODEC(ZSTD(1)),
    `memory_used_bytes` Nullable(UInt64) CODEC(ZSTD(1)),
    `memory_total_bytes` Nullable(UInt64) CODEC(ZSTD(1)),
    `power_watts` Nullable(Float64) CODEC(ZSTD(1)),
    `energy_joules` Nullable(Float64) CODEC(ZSTD(1)),
    `temperature_c` Nullable(Float64) CODEC(ZSTD(1)),
    `sm_active` Nullable(Float64) CODEC(ZSTD(1)),
    `errors_corrected` Nullable(UInt64) CODEC(ZSTD(1)),
    `errors_uncorrected` Nullable(UInt64) CODEC(ZSTD(1)),
    `k8s_namespace` LowCardinality(String) CODEC(ZSTD(1)),
    `k8s_pod` String CODEC(ZSTD(1)),
    `k8s_container` LowCardinality(String) CODEC(ZSTD(1)),
    `source` LowCardinality(String) CODEC(ZSTD(1)),
    `source_rank` UInt8 MATERIALIZED {SOURCE_RANK_SQL},
    `ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX idx_pod k8s_pod TYPE bloom_filter(0.01) GRANULARITY 4""",
    partition_by="toDate(timestamp)",
    order_by="(project, host_name, gpu_uuid, timestamp)",
    sharding_key="cityHash64(host_name, gpu_uuid)",
)

_WINDOW = "timestamp >= {start:DateTime64(9, 'UTC')} AND timestamp < {end:DateTime64(9, 'UTC')}"


def statements(ddl: DDL) -> list[str]:
    # On a cluster the outer read is Distributed and the subquery names the shard-local table:
    # rows shard by (host_name, gpu_uuid), so each shard holds all sources of its GPUs and
    # picks their best source alone (a "local IN", no double-distributed subquery).
    preferred = (
        f"CREATE VIEW IF NOT EXISTS {q('gpu_samples_preferred')}{ddl.on_cluster} AS\n"
        f"SELECT *, source_rank FROM {q(GPU_SAMPLES.name)}\n"
        f"WHERE {_WINDOW}\n"
        f"  AND (project, host_name, gpu_uuid, source_rank) IN (\n"
        f"    SELECT project, host_name, gpu_uuid, min(source_rank) FROM {ddl.source(GPU_SAMPLES.name)}\n"
        f"    WHERE {_WINDOW} GROUP BY project, host_name, gpu_uuid)"
    )
    return [*ddl.create_table(GPU_SAMPLES), preferred]
