"""`gpu_samples_1m` gets a projection sorted by minute: a window's edge minutes without a full scan.

Why: the rollup is sorted by GPU first (project, host, uuid, ..., period), so a condition on
`period` alone cannot skip a granule: every granule holds a few GPUs' whole days. The fleet
view reads whole hours from `gpu_samples_1h` but the window's partial hours at each edge from
the minute rollup, and so read every minute row of the window's days, twice (the partials and
the source ranks): 2.9 M rows and 92 MB for 24 h of 1,000 GPUs, most of its time whether the
store's caches were warm or not (docs/benchmarks.md section 7). The projection holds the same
partial rows sorted by period; ClickHouse reads it when a query's period range selects fewer of
its marks (edges: ~60 minutes × GPUs), and the table itself otherwise. Readers sum partials and
never count rows, so reading the projection's (separately merged) rows gives the same answers.
It costs one more copy of the minute rollup: one row per GPU-minute, ~1 % of the rows ingest writes.

`deduplicate_merge_projection_mode = 'rebuild'`: an AggregatingMergeTree combines rows when it
merges, so its projections are rebuilt from the merged part (ClickHouse refuses projections on
such engines without a mode). MATERIALIZE builds the projection for the parts already stored.
"""

from store.base import quote_identifier
from store.ddl import DDL
from store.migrations.m0009_gpu_samples_rollups import MINUTE_TABLE

NAME = "gpu_minutes_by_period"
PROJECTION = "by_period"


def statements(ddl: DDL) -> list[str]:
    table = f"{quote_identifier(ddl.local(MINUTE_TABLE))}{ddl.on_cluster}"
    return [
        f"ALTER TABLE {table} MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'",
        f"ALTER TABLE {table} ADD PROJECTION IF NOT EXISTS {PROJECTION} (SELECT * ORDER BY period)",
        f"ALTER TABLE {table} MATERIALIZE PROJECTION {PROJECTION} SETTINGS mutations_sync = 2",
    ]
