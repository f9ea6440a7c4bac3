"""`trace_summaries`: one row per trace with LLM calls, what the trace list (GET /api/v1/traces) reads for a day.

Listing a day's traces from the calls means joining the day's calls with their cost rows, grouping them by
trace and joining the root spans: 1.3-2.1 s over 10 M calls (docs/benchmarks.md section 13). This table holds
the result per trace, written by the trace summary job (pipelines/traces/summary_job.py):

- the calls' side: first and last call start (`first_ns`, `last_ns`: the trace's extent, which a recomputation
  reads back), the last call's end, calls, errors, tokens by kind, the exact cost split into token and GPU cost by
  the spend rule (store/queries/call_spend.py), unpriced calls, up to five models, the first call's service and
  project, a user, team and feature;
- the root span's side, kept apart (`root_found` and `root_*`): the root usually arrives last (it ends after its
  children, so the SDK exports it last), and a row summarised before it came is completed by a later run, or at
  read time by a join limited to the rows still without one.

Recomputed, not accumulated, as `cost_hourly` (migration 6): every run re-derives a trace whole from
`llm_calls FINAL` (a retried span counts once), its cost rows `FINAL` (a re-priced call counts at its latest
price) and the latest GPU cost run (an allocation hours later), and inserts it with a newer `computed_at`; a
ReplacingMergeTree by that version keeps the latest, read with FINAL. Recomputing cannot drift from the calls the
way adding deltas would after a crash between two inserts.

Layout: ordered by (hour of the first call, trace id), partitioned by its day, so a day's list reads a day of
rows in key order and the range prunes partitions and granules. The key can move: a late call earlier than the
first one moves the trace to another hour. Replacing works only within one key, so the job then writes a
tombstone (`is_deleted = 1`, the engine's second argument) for the old key, and FINAL drops it. A bloom filter
on the trace id finds a trace's stored row whatever its hour, which recomputations and the list's fresh tail do.
"""

from store.ddl import DDL, TableSpec

NAME = "trace_summaries"

_MONEY = "Decimal(38, 12) CODEC(ZSTD(1))"
_COUNT = "UInt64 CODEC(T64, ZSTD(1))"
_NS = "Int64 CODEC(Delta, ZSTD(1))"

TRACE_SUMMARIES = TableSpec(
    name="trace_summaries",
    body=f"""    `hour` DateTime('UTC') CODEC(Delta, ZSTD(1)),
    `trace_id` String CODEC(ZSTD(1)),
    `first_ns` {_NS},
    `last_ns` {_NS},
    `last_end_ns` {_NS},
    `call_service` LowCardinality(String) CODEC(ZSTD(1)),
    `trace_project` LowCardinality(String) CODEC(ZSTD(1)),
    `trace_user` String CODEC(ZSTD(1)),
    `trace_team` LowCardinality(String) CODEC(ZSTD(1)),
    `trace_feature` LowCardinality(String) CODEC(ZSTD(1)),
    `models` Array(LowCardinality(String)) CODEC(ZSTD(1)),
    `calls` {_COUNT},
    `priced_calls` {_COUNT},
    `errors` {_COUNT},
    `input_tokens` Int64 CODEC(T64, ZSTD(1)),
    `output_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_read_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_write_tokens` Int64 CODEC(T64, ZSTD(1)),
    `reasoning_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cost_total` {_MONEY},
    `token_cost` {_MONEY},
    `gpu_cost` {_MONEY},
    `root_found` UInt8,
    `root_name` String CODEC(ZSTD(1)),
    `root_service` LowCardinality(String) CODEC(ZSTD(1)),
    `root_start_ns` {_NS},
    `root_end_ns` {_NS},
    `root_error` UInt8,
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    `is_deleted` UInt8 DEFAULT 0,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at", "is_deleted"),
    partition_by="toDate(hour)",
    order_by="(hour, trace_id)",
    sharding_key="cityHash64(trace_id)",
)


def statements(ddl: DDL) -> list[str]:
    return ddl.create_table(TRACE_SUMMARIES)
