"""Incidents (issue 14): the current state of each incident, and its append-only timeline.

- `incidents`: one row per incident and version. Every change (a transition, an edit, a checked
  runbook step, the post-mortem fields, a recomputed impact) writes the whole row again with a
  newer `updated_at`; ReplacingMergeTree by `updated_at`, read with FINAL, as `alert_states` and
  `silences`. `number` is the `n` of `INC-n`. The milestones (started, detected, acknowledged,
  mitigated, resolved, closed) are set once each by the state machine. The runbook pin (id, version,
  content hash) is written at open and never changed. `impact` and `postmortem` are JSON documents
  (the numbers of the impact, the editable post-mortem fields), read by the API and the post-mortem.
- `incident_events`: the timeline, append-only (plain MergeTree): alert fired/resolved, status
  changes, notes, runbook steps, diagnostics. `id` is deterministic for events the alert engine
  writes, so readers keep one row per id (`LIMIT 1 BY id`) and a repeated write is harmless;
  `episode` (rule, fingerprint, firing since) links an alert episode to its incident.
"""

from store.ddl import DDL, TableSpec

NAME = "incidents"

_TIME = "DateTime64(9, 'UTC')"

INCIDENTS = TableSpec(
    name="incidents",
    body=f"""    `number` UInt64,
    `id` String,
    `title` String,
    `severity` LowCardinality(String),
    `status` LowCardinality(String),
    `source` LowCardinality(String),
    `commander` String,
    `opened_by` String,
    `group_key` String,
    `labels` Map(LowCardinality(String), String),
    `service` String,
    `started_at` {_TIME},
    `detected_at` {_TIME},
    `acknowledged_at` Nullable({_TIME}),
    `mitigated_at` Nullable({_TIME}),
    `resolved_at` Nullable({_TIME}),
    `closed_at` Nullable({_TIME}),
    `runbook_id` String,
    `runbook_version` String,
    `runbook_sha256` String,
    `checked_steps` Array(UInt32),
    `impact` String,
    `postmortem` String,
    `updated_at` {_TIME}""",
    engine="ReplacingMergeTree",
    engine_args=("updated_at",),
    order_by="number",
    sharding_key="cityHash64(number)",
)

INCIDENT_EVENTS = TableSpec(
    name="incident_events",
    body=f"""    `id` String,
    `incident` String,
    `at` {_TIME},
    `kind` LowCardinality(String),
    `actor` String,
    `episode` String,
    `payload` String CODEC(ZSTD(3))""",
    order_by="(incident, at, id)",
    sharding_key="cityHash64(incident)",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(INCIDENTS), *ddl.create_table(INCIDENT_EVENTS)]
