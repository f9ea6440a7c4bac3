"""`cost_slices`: five-minute spend aggregates under `cost_hourly`, so a busy hour is not re-read whole.

The rollup job used to recompute each queued hour from `request_costs FINAL`. At 30,000
calls/s the current hour holds up to 108 M calls by its end, and every run re-read all of
them. Now the cost job queues the five-minute slices it touched. The rollup job re-aggregates
only those slices from the cost rows into `cost_slices` (the measures of `cost_hourly`, keyed
by slice), then re-derives each touched hour of `cost_hourly` from its slice rows, a few
thousand rows at most. Readers still read `cost_hourly`; recomputing, not adding, still keeps it
equal to the cost rows (see migration 6).

An hour with no slice rows yet (priced before this migration, or a new hour) has all twelve of
its slices computed the first time it is queued, so an hour's slices are complete whenever any
exist. `cost_rollup_queue` gains `slice`: rows queued before default to their hour, which has no
slices yet, so it is recomputed whole.
"""

from dataclasses import replace

from store.ddl import DDL
from store.migrations.m0006_cost_hourly import COST_HOURLY, DIMENSIONS

NAME = "cost_slices"

COST_SLICES = replace(
    COST_HOURLY,
    name="cost_slices",
    body=COST_HOURLY.body.replace("`hour` DateTime('UTC')", "`slice` DateTime('UTC')", 1),
    partition_by="toDate(slice)",
    order_by=f"(slice, {', '.join(DIMENSIONS)}, currency)",
    sharding_key="cityHash64(project, toStartOfHour(slice))",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(COST_SLICES),
            *ddl.add_column("cost_rollup_queue", "`slice` DateTime('UTC') DEFAULT hour", "hour")]
