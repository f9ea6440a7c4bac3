"""`leases`: which process holds a role that must run once per store (the scheduler).

Alert state, incident numbering and watermarks assume a single scheduler. Two scheduler
processes on one store (two `spyglass up --roles scheduler` against one ClickHouse server)
would evaluate every rule twice and race on state, so the scheduler takes a lease at start
and renews it; a second one finds it held and refuses to start. ClickHouse has no
compare-and-set, so a claim is a row and the newest row wins (ReplacingMergeTree by
`renewed_at`, read with argMax); the claimant reads back after writing, so two processes
starting at the same moment cannot both believe they hold it.
"""

from store.ddl import DDL, TableSpec

NAME = "leases"

LEASES = TableSpec(
    name="leases",
    body="""    `name` LowCardinality(String),
    `holder` String,
    `acquired_at` DateTime64(3, 'UTC'),
    `renewed_at` DateTime64(3, 'UTC'),
    `expires_at` DateTime64(3, 'UTC')""",
    engine="ReplacingMergeTree",
    engine_args=("renewed_at",),
    order_by="(name, holder)",
    sharding_key="cityHash64(name)",
)


def statements(ddl: DDL) -> list[str]:
    return ddl.create_table(LEASES)
