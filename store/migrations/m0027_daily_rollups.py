"""`cost_daily`, `llm_calls_1d`, `operations_1d`: the spend, call and operation rollups per UTC day.

Why: an hour rollup holds a row per dimension combination that occurred in the hour, so a 30-day read merges
up to 720 x combinations rows whatever the calls. On a fleet of 5,750 combinations (bench/scale.py) that was
5.6 M `cost_hourly` rows for 10.8 M calls: the Costs page's 30-day breakdowns took 1.4-2.6 s, the exact users'
states most of it (docs/benchmarks.md section 19). A day row per combination cuts a month to 30 x combinations.

Same columns as the hour tables (the time column is the day's start), derived the same way: recomputed, never
accumulated. Whenever a job re-derives hours, it re-derives their days from the latest hour rows (sums, and
the states merged: `uniqExactMergeState` keeps the users exact, `quantilesTimingMergeState` the sketches), with
a newer `computed_at`; ReplacingMergeTree by it, read with FINAL. Readers (store/queries/rollup_plan.py for
calls and operations, store/queries/spend.py for spend) take a day from here only when the range holds it
whole, so the open day and the edges of a range still read hours, minutes and raw rows.

Partitioned by day like the hour tables, so compaction (store/maintenance.py) merges each closed day to one
part and retention drops whole days. The days already rolled up into hours are derived here, once, so a store
that upgrades reads its past days from the new tables at once.
"""

from dataclasses import replace

from store.ddl import DDL
from store.migrations.m0006_cost_hourly import COST_HOURLY, DIMENSIONS
from store.migrations.m0024_call_rollups import CALL_MINUTES
from store.migrations.m0024_call_rollups import DIMENSIONS as CALL_DIMENSIONS
from store.migrations.m0026_operation_rollups import DIMENSIONS as OPERATION_DIMENSIONS
from store.migrations.m0026_operation_rollups import OPERATION_MINUTES

NAME = "daily rollups"

_MONEY = "Decimal(38, 12) CODEC(ZSTD(1))"
# The columns migration 19 added to `cost_hourly`.
_GPU_COLUMNS = (f"    `token_cost` {_MONEY},\n    `gpu_cost` {_MONEY},\n"
                "    `gpu_calls` UInt64 CODEC(T64, ZSTD(1)),\n")

COST_DAILY = replace(
    COST_HOURLY,
    name="cost_daily",
    body=COST_HOURLY.body.replace("`hour` DateTime('UTC')", "`day` DateTime('UTC')", 1)
    .replace("    `computed_at`", _GPU_COLUMNS + "    `computed_at`", 1),
    partition_by="toDate(day)",
    order_by=f"(day, {', '.join(DIMENSIONS)}, currency)",
    sharding_key="cityHash64(project, day)",
)
CALL_DAYS = replace(CALL_MINUTES, name="llm_calls_1d", sharding_key="cityHash64(project, period)")
OPERATION_DAYS = replace(OPERATION_MINUTES, name="operations_1d", sharding_key="cityHash64(project, period)")


_SKETCH_MERGE = "quantilesTimingMergeState(0.5, 0.95, 0.99)"
_COUNTS = ("calls", "successful_calls", "priced_calls", "unpriced_calls", "gpu_calls", "flagged_calls",
           "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")
_MONEY_COLUMNS = ("cost_input", "cost_cache_read", "cost_cache_write", "cost_output", "cost_reasoning",
                  "cost_request_fee", "cost_total", "token_cost", "gpu_cost", "successful_cost")
# Day table <- (hour table, its dimensions, column -> its merge over the hour rows).
_FROM_HOURS = {
    "cost_daily": ("cost_hourly", "hour", (*DIMENSIONS, "currency"), {
        "users": "uniqExactMergeState(users)", **{c: f"sum({c})" for c in _COUNTS},
        **{m: f"toDecimal128(sum({m}), 12)" for m in _MONEY_COLUMNS}}),
    "llm_calls_1d": ("llm_calls_1h", "period", CALL_DIMENSIONS, {
        **{c: f"sum({c})" for c in ("calls", "error_calls", "cache_hit_calls", "streamed_calls")},
        **{f"{k}_tokens_sum": f"sum({k}_tokens_sum)" for k in ("input", "output", "cache_read", "cache_write",
                                                                "reasoning")},
        "duration_sketch": f"{_SKETCH_MERGE}(duration_sketch)", "ttft_sketch": f"{_SKETCH_MERGE}(ttft_sketch)",
        "users_uniq": "uniqMergeState(users_uniq)"}),
    "operations_1d": ("operations_1h", "period", OPERATION_DIMENSIONS, {
        "calls": "sum(calls)", "error_calls": "sum(error_calls)",
        "duration_sketch": f"{_SKETCH_MERGE}(duration_sketch)"}),
}


def _derive_days(day_table: str) -> str:
    hour_table, time, dimensions, merges = _FROM_HOURS[day_table]
    day = "day" if day_table == "cost_daily" else "period"
    columns = {day: f"toStartOfDay({time})", **{d: d for d in dimensions}, **merges, "computed_at": "now64(3)"}
    return (f"INSERT INTO {day_table} ({', '.join(columns)}) SETTINGS max_partitions_per_insert_block = 0\n"
            f"SELECT {', '.join(columns.values())}\nFROM {hour_table} FINAL\n"
            f"GROUP BY toStartOfDay({time}), {', '.join(dimensions)}")


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(COST_DAILY), *ddl.create_table(CALL_DAYS), *ddl.create_table(OPERATION_DAYS),
            *(_derive_days(table) for table in _FROM_HOURS)]
