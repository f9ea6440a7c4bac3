"""The alert engine's tables: instance states, their transitions, silences, the notification log, rule health.

- `alert_states`: the current state of each alert instance (rule + label fingerprint), with the
  times the state machine needs after a restart (pending since, firing since, last active,
  keep firing since, resolved at), so a pending timer survives. ReplacingMergeTree by `updated_at`, read FINAL;
  an instance that goes back to inactive is written with status `inactive` and read no more.
- `alert_events`: every transition, append-only: the history incidents and post-mortems read.
- `silences`: ReplacingMergeTree by `updated_at` (expiring is a new version of the row).
- `alert_groups`: the dispatcher's notification log per (receiver, group key): timers, the
  fingerprints last sent as firing and as resolved, the sequence number of the last
  notification. A restart resumes the timers and re-sends nothing that was sent.
- `alert_rule_health`: each rule's last evaluation (when, how long, how many instances, error),
  so the rules API can answer from any process.
"""

from store.ddl import DDL, TableSpec

NAME = "alerts"

_TIME = "DateTime64(9, 'UTC')"

ALERT_STATES = TableSpec(
    name="alert_states",
    body=f"""    `rule` LowCardinality(String),
    `fingerprint` String,
    `labels` Map(LowCardinality(String), String),
    `status` LowCardinality(String),
    `severity` LowCardinality(String),
    `active_since` Nullable({_TIME}),
    `firing_since` Nullable({_TIME}),
    `last_active_at` Nullable({_TIME}),
    `keep_firing_since` Nullable({_TIME}),
    `resolved_at` Nullable({_TIME}),
    `value` Nullable(Float64),
    `threshold` Nullable(Float64),
    `annotations` Map(LowCardinality(String), String),
    `evidence` String,
    `runbook` String,
    `updated_at` {_TIME}""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    order_by="(rule, fingerprint)",
    sharding_key="cityHash64(rule, fingerprint)",
)

ALERT_EVENTS = TableSpec(
    name="alert_events",
    body=f"""    `at` {_TIME} CODEC(Delta, ZSTD(1)),
    `rule` LowCardinality(String),
    `fingerprint` String,
    `labels` Map(LowCardinality(String), String),
    `severity` LowCardinality(String),
    `from_status` LowCardinality(String),
    `to_status` LowCardinality(String),
    `value` Nullable(Float64),
    `annotations` Map(LowCardinality(String), String)""",
    partition_by="toYYYYMM(at)",
    order_by="(rule, fingerprint, at)",
    sharding_key="cityHash64(rule, fingerprint)",
)

SILENCES = TableSpec(
    name="silences",
    body=f"""    `id` String,
    `matchers` Array(String),
    `starts_at` {_TIME},
    `ends_at` {_TIME},
    `created_by` String,
    `comment` String,
    `expired_at` Nullable({_TIME}),
    `updated_at` {_TIME}""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    order_by="id",
    sharding_key="cityHash64(id)",
)

ALERT_GROUPS = TableSpec(
    name="alert_groups",
    body=f"""    `receiver` LowCardinality(String),
    `group_key` String,
    `group_labels` Map(LowCardinality(String), String),
    `opened_at` Nullable({_TIME}),
    `flushed_at` Nullable({_TIME}),
    `notified_at` Nullable({_TIME}),
    `firing` Array(String),
    `resolved` Array(String),
    `sequence` UInt64,
    `updated_at` {_TIME}""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    order_by="(receiver, group_key)",
    sharding_key="cityHash64(receiver, group_key)",
)

ALERT_RULE_HEALTH = TableSpec(
    name="alert_rule_health",
    body=f"""    `rule` LowCardinality(String),
    `evaluated_at` {_TIME},
    `seconds` Float64,
    `instances` UInt32,
    `error` String,
    `rules_version` String""",
    engine="ReplacingMergeTree",
    engine_args=("evaluated_at",),
    order_by="rule",
    sharding_key="cityHash64(rule)",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(ALERT_STATES), *ddl.create_table(ALERT_EVENTS), *ddl.create_table(SILENCES),
            *ddl.create_table(ALERT_GROUPS), *ddl.create_table(ALERT_RULE_HEALTH)]
