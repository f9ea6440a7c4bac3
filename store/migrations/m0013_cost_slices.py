"""`cost_slices`: five-minute spend aggregates under `cost_hourly`, so a busy hour is not re-read whole.

The rollup job used to recompute each queued hour from `request_costs FINAL`. At 30,000
calls/s the current hour holds up to 108 M calls by its end, and every run re-read all of
them. Now the cost job queues the five-minute slices it touched. A big hour (over
`SLICED_ABOVE` cost rows, store/queries/cost_rollup.py) is rolled up by slice: the job
re-aggregates only its queued slices from the cost rows into `cost_slices` (the measures of
`cost_hourly`, keyed by slice), then re-derives the hour of `cost_hourly` from its slice
rows. A small hour is still recomputed whole: its slice rows would be nearly as many as its
calls. Readers still read `cost_hourly`; recomputing, not adding, still keeps it equal to the
cost rows (see migration 6).

An hour rolled up by slice for the first time (it grew big, or was priced before this
migration) has all twelve of its slices computed at once, so an hour's slices are complete
whenever any exist. `cost_rollup_queue` gains `slice`: rows queued before default to their
hour's start.
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
