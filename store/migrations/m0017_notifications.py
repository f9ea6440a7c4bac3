"""`notifications`: the alert notification outbox, one row per notification and version.

The alert engine writes every notification here before anything is sent (state `pending`); the delivery
worker records each outcome as a new version of the row (attempts, next attempt, last error, then `delivered`
or `dead`), and a replay writes a `pending` version again under the same id. ClickHouse has no update, so a
row's history is its versions and the highest `version` is its state: ReplacingMergeTree by `version`, read
with FINAL. `id` is the hash of the idempotency key (receiver, group key, status, sequence): writing a
notification twice writes one row. Partitioned by month of creation, which every version of a row shares.
Migration 16 is the alert engine's.
"""

from store.ddl import DDL, TableSpec

NAME = "notifications"

NOTIFICATIONS = TableSpec(
    name="notifications",
    body="""    `id` String,
    `version` UInt32,
    `receiver` LowCardinality(String),
    `group_key` String,
    `status` LowCardinality(String),
    `sequence` UInt64,
    `idempotency_key` String,
    `state` LowCardinality(String),
    `attempts` UInt32,
    `created_at` DateTime64(3, 'UTC'),
    `next_attempt_at` DateTime64(3, 'UTC'),
    `updated_at` DateTime64(6, 'UTC'),
    `delivered_at` Nullable(DateTime64(3, 'UTC')),
    `last_error` String,
    `payload` String CODEC(ZSTD(3)),
    INDEX updated_at_idx updated_at TYPE minmax GRANULARITY 1""",
    engine="ReplacingMergeTree",
    engine_args=("version",),
    partition_by="toYYYYMM(created_at)",
    order_by="id",
    sharding_key="cityHash64(id)",
)


def statements(ddl: DDL) -> list[str]:
    return ddl.create_table(NOTIFICATIONS)
