"""`gpu_cost_queue`: the hours the GPU cost job must price, queued as GPU samples arrive, whatever their age.

Why: the job recomputed only the hours of its look-back (3 h) each run, so samples and calls older
than that (a backfill, an outage longer than the look-back, a late delivery) were never priced, and
nothing said so. Now every hour that receives data is queued:

- GPU samples: a materialised view on every insert into `gpu_samples` (the collector's, a scrape's,
  a backfill's) writes one row per hour of the inserted block, with the block's first and last
  sample time in that hour. A sample changes the GPU time of the hours within
  `gpu.sample_max_gap_seconds` of it (it ends the previous sample's segment and starts its own);
  the job widens first/last by that setting, which the view cannot know.
- Calls: every call passes through the cost job, which queues the five-minute slices it priced in
  `cost_rollup_queue` (migration 6); the GPU job reads that queue too (no second view on the
  ingest path of `llm_calls`). `source` says who queued a slice: the GPU job queues slices for the
  rollup as well (its allocations change the spend, migration 19) and does not read its own back.
- `gpu_cost_runs.queued_until`: the queue time a run consumed up to. An hour is pending while a
  queue row of it is newer than its latest run's `queued_until`; so a run that stops half-way
  leaves exactly the hours it did not reach pending.

The hours of the samples already stored (from the hour rollup) and of the calls stored without a
price (self-hosted calls, from `cost_hourly`) are queued here, so history the old look-back never
reached is priced by the next run. Queue rows expire after 7 days, like the rollup's.
"""

from store.ddl import DDL, TableSpec

NAME = "gpu_cost_queue"

GPU_COST_QUEUE = TableSpec(
    name="gpu_cost_queue",
    body="""    `hour` DateTime('UTC'),
    `first_sample` DateTime64(9, 'UTC'),
    `last_sample` DateTime64(9, 'UTC'),
    `queued_at` DateTime64(3, 'UTC') DEFAULT now64(3)""",
    order_by="(queued_at, hour)",
    ttl="toDateTime(queued_at) + INTERVAL 7 DAY",
    sharding_key="rand()",
)

_FROM_SAMPLES = """SELECT toStartOfHour(timestamp) AS hour, min(timestamp) AS first_sample, max(timestamp) AS last_sample
FROM {source}
GROUP BY hour"""


def statements(ddl: DDL) -> list[str]:
    return [
        *ddl.create_table(GPU_COST_QUEUE),
        *ddl.create_materialized_view("gpu_cost_queue_mv", "gpu_cost_queue",
                                      _FROM_SAMPLES.format(source=ddl.source("gpu_samples"))),
        *ddl.add_column("gpu_cost_runs", "`queued_until` DateTime64(3, 'UTC') DEFAULT 0", "computed_at"),
        *ddl.add_column("cost_rollup_queue", "`source` LowCardinality(String) DEFAULT 'costs'", "slice"),
        # A sample hour stands for samples from its start to its end; an hour of unpriced calls, for its middle
        # (so the job widens it to neighbours only for gaps over half an hour).
        """INSERT INTO gpu_cost_queue (hour, first_sample, last_sample)
SELECT DISTINCT period, toDateTime64(period, 9, 'UTC'), toDateTime64(period, 9, 'UTC') + toIntervalNanosecond(3599999999999)
FROM gpu_samples_1h""",
        """INSERT INTO gpu_cost_queue (hour, first_sample, last_sample)
SELECT DISTINCT hour, toDateTime64(hour, 9, 'UTC') + toIntervalMinute(30), toDateTime64(hour, 9, 'UTC') + toIntervalMinute(30)
FROM cost_hourly WHERE unpriced_calls > 0""",
    ]
