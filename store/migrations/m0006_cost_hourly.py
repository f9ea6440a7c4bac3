"""The hourly spend rollup, the queue that feeds it, `status` on cost rows, history by view.

`request_cost_history` becomes a materialised view's target: every row inserted into
`request_costs` is copied there by the store itself, so the cost job inserts once.

Cost rows gain the call's `status`, copied by the cost job, so the rollup can count
successful requests (unit economics: cost per successful request) without a join.

`cost_hourly` is recomputed, not accumulated: whenever the cost job (re-)prices calls, it
re-aggregates the hours those calls fall in from `request_costs FINAL` and inserts the
result with a newer `computed_at`. A ReplacingMergeTree keyed by (hour, dimensions) keeps
the latest aggregate, read with FINAL. Re-pricing replaces a call's cost instead of adding
a second one, so a summing rollup fed by deltas could drift from `request_costs` after a
crash between two inserts; a recomputed hour cannot, and the rollup reconciles exactly.
A dimension combination never disappears from an hour (calls do not change dimensions),
so replacing by key is complete. Unpriced calls count in `calls`/`unpriced_calls` and add
nothing to money columns.

Users are the one dimension with unbounded cardinality: with `user_id` in its key an
hourly rollup has about as many rows as there are calls (measured: 1.74 M rollup rows for
1.8 M calls of 50,000 users), so it would cost as much as the calls and save nothing.
`cost_hourly` leaves it out and keeps the hour's distinct users as an exact `uniqExact`
state (merged across hours for cost per user); questions per user (a breakdown or filter
by user, user budgets) read `request_costs` itself.
"""

from store.ddl import DDL, TableSpec

NAME = "cost_hourly"

_MONEY = "Decimal(38, 12) CODEC(ZSTD(1))"
DIMENSIONS = ("project", "service_name", "environment", "team", "feature", "provider", "model")
_COLUMNS = "\n".join(f"    `{d}` LowCardinality(String) CODEC(ZSTD(1))," for d in DIMENSIONS)

COST_HOURLY = TableSpec(
    name="cost_hourly",
    body=f"""    `hour` DateTime('UTC') CODEC(Delta, ZSTD(1)),
{_COLUMNS}
    `currency` LowCardinality(String) CODEC(ZSTD(1)),
    `users` AggregateFunction(uniqExact, String),
    `calls` UInt64 CODEC(T64, ZSTD(1)),
    `successful_calls` UInt64 CODEC(T64, ZSTD(1)),
    `priced_calls` UInt64 CODEC(T64, ZSTD(1)),
    `unpriced_calls` UInt64 CODEC(T64, ZSTD(1)),
    `flagged_calls` UInt64 CODEC(T64, ZSTD(1)),
    `input_tokens` Int64 CODEC(T64, ZSTD(1)),
    `output_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_read_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cache_write_tokens` Int64 CODEC(T64, ZSTD(1)),
    `reasoning_tokens` Int64 CODEC(T64, ZSTD(1)),
    `cost_input` {_MONEY},
    `cost_cache_read` {_MONEY},
    `cost_cache_write` {_MONEY},
    `cost_output` {_MONEY},
    `cost_reasoning` {_MONEY},
    `cost_request_fee` {_MONEY},
    `cost_total` {_MONEY},
    `successful_cost` {_MONEY},
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toDate(hour)",
    order_by=f"(hour, {', '.join(DIMENSIONS)}, currency)",
    sharding_key="cityHash64(project, hour)",
)

# Hours whose cost rows changed, written by the cost job and reprice, read by the rollup job.
COST_ROLLUP_QUEUE = TableSpec(
    name="cost_rollup_queue",
    body="""    `hour` DateTime('UTC'),
    `queued_at` DateTime64(3, 'UTC') DEFAULT now64(3)""",
    order_by="(queued_at, hour)",
    ttl="toDateTime(queued_at) + INTERVAL 7 DAY",
    sharding_key="rand()",
)

_STATUS = "`status` LowCardinality(String) DEFAULT '' CODEC(ZSTD(1))"
# The call's own ingestion time, so the cost job can compare, per second of ingestion, how many
# calls arrived with how many were priced (see pipelines/costs/job.py); minmax-indexed because
# ingestion time follows span time closely, so old granules are skipped.
_INGESTED_AT = "`ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1))"


def statements(ddl: DDL) -> list[str]:
    return [*ddl.add_column("request_costs", _STATUS, after="reasoning_tokens"),
            *ddl.add_column("request_cost_history", _STATUS, after="reasoning_tokens"),
            *ddl.add_column("request_costs", _INGESTED_AT, after="status"),
            *ddl.add_column("request_cost_history", _INGESTED_AT, after="status"),
            *ddl.add_index("request_costs", "idx_ingested_at ingested_at TYPE minmax GRANULARITY 1"),
            *ddl.create_materialized_view("request_cost_history_mv", "request_cost_history",
                                          f"SELECT * FROM {ddl.source('request_costs')}"),
            *ddl.create_table(COST_HOURLY),
            *ddl.create_table(COST_ROLLUP_QUEUE)]
