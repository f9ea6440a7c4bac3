"""`llm_calls_1m`, `llm_calls_1h`: `llm_calls` rolled up per minute and per hour, behind every dashboard read.

Why: the 30-day summary read every call of the month (242 ms at 10 M calls, linear in calls; issue 19).
The dashboard only ever filters and groups by a dozen low-cardinality dimensions, so a minute of calls
becomes one row per dimension combination that occurred in it, and an hour one row per combination.

Keyed by (period, every dimension): project, service, `model` (requested, else responded: what the
views group by), environment, service version, the requested and the responded model (the model
filter matches either), provider, operation, team, feature, status (as stored: `status=ok` still
selects ok and unset) and error type. Measures: calls, errors, calls that read the prompt cache, calls
that streamed (reported a time to first token), tokens by kind, and three mergeable states:
- duration and time to first token as `quantilesTiming` states of a log-scale code: a duration d
  (ns) is kept as round(44 * ln(d / 1 µs)) in 0..1023 (1 µs to 3.5 h), where `quantilesTiming` is
  exact and its states merge fast; decoded, a percentile is within 1.14 % of the value at its rank.
  Merging 1.44 M states took 40 ms, against 709 ms for t-digests (`quantilesTDigest`, 2.7x the
  bytes) and 472 ms for `quantilesBFloat16`, which is what makes a 30-day read of hour rows fast.
  Percentiles are approximate (the raw path's `quantiles` is a reservoir sample, so they were
  approximate before); the tests hold them within 2 % of rank and 1.2 % of value.
- distinct users as a `uniq` state: exact (up to 32-bit hash collisions) while a state holds under
  65,536 users, then an adaptive sample with about 2 % error. Exact (`uniqExact`) would keep 16
  bytes per distinct user in every row, as much as the calls themselves at a minute's grain;
  questions per user (a user filter) read `llm_calls`.
Users, sessions, hosts and trace ids are not dimensions (unbounded cardinality): a filter on them
reads `llm_calls` (store/queries/rollup_plan.py).

Exact like `cost_hourly` (migration 6): rows are recomputed, never accumulated. The rollup job
(pipelines/calls/rollup_job.py) re-aggregates a closed minute from `llm_calls FINAL` (so a retried
span counts once) whenever it closes or a late call for it is ingested (found by `ingested_at`), and
inserts the minute's rows with a newer `computed_at`; the hour is re-derived from its minute rows.
ReplacingMergeTree by `computed_at`, read with FINAL, keeps the latest. A dimension combination
does not leave a minute on recompute (a call's dimensions do not change), so replacing by key is
complete. Reads (store/queries/call_sources.py) take whole hours from the hour rollup, the edges
from minutes, and from `llm_calls` what the job has not rolled up yet: the minutes after its
watermark and any minute holding a call ingested since (a late or retried span), so an answer never
waits for the job.
"""

from dataclasses import replace

from store.ddl import DDL, TableSpec

NAME = "call_rollups"
MINUTE_TABLE, HOUR_TABLE = "llm_calls_1m", "llm_calls_1h"

# In sort-key order: the views' filters first (project, service, model), as in `llm_calls`.
DIMENSIONS = ("project", "service_name", "model", "environment", "service_version", "request_model",
              "response_model", "provider", "operation", "team", "feature", "status", "error_type")
_TEXT = "LowCardinality(String) CODEC(ZSTD(1))"
_COUNT = "UInt64 CODEC(T64, ZSTD(1))"
_TOKENS = "Int64 CODEC(T64, ZSTD(1))"
# The levels the views show; a state's type names them, so every reader merges with the same ones.
SKETCH = "quantilesTiming(0.5, 0.95, 0.99)"
_COLUMNS = "\n".join(f"    `{d}` {_TEXT}," for d in DIMENSIONS)

CALL_MINUTES = TableSpec(
    name=MINUTE_TABLE,
    body=f"""    `period` DateTime('UTC') CODEC(Delta, ZSTD(1)),
{_COLUMNS}
    `calls` {_COUNT},
    `error_calls` {_COUNT},
    `cache_hit_calls` {_COUNT},
    `streamed_calls` {_COUNT},
    `input_tokens_sum` {_TOKENS},
    `output_tokens_sum` {_TOKENS},
    `cache_read_tokens_sum` {_TOKENS},
    `cache_write_tokens_sum` {_TOKENS},
    `reasoning_tokens_sum` {_TOKENS},
    `duration_sketch` AggregateFunction({SKETCH}, UInt16),
    `ttft_sketch` AggregateFunction({SKETCH}, UInt16),
    `users_uniq` AggregateFunction(uniq, String),
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))""",
    engine="ReplacingMergeTree",
    engine_args=("computed_at",),
    partition_by="toDate(period)",
    order_by=f"(period, {', '.join(DIMENSIONS)})",
    sharding_key="cityHash64(project, toStartOfHour(period))",
)

CALL_HOURS = replace(CALL_MINUTES, name=HOUR_TABLE)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(CALL_MINUTES), *ddl.create_table(CALL_HOURS)]
