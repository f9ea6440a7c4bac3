"""`request_cost_history` keeps only superseded versions; `request_cost_versions` shows the trail.

Until now a materialised view copied every row written to `request_costs` into the
history, so the cost job wrote each call's cost twice, and the copy was half of its time.
Pricing is deterministic in (catalog version, call), so a row is worth keeping apart only
once a pricing under *another* catalog version replaces it: the cost job
(pipelines/costs/job.py) copies exactly those rows into the history before it writes the
new ones, which happens after a catalog change or a reprice, not in steady state.

- the view `request_cost_history_mv` is dropped;
- `cost_hour_versions` records which catalog versions have priced calls of each hour,
  written before the cost rows are: a run whose hours were priced only under its own
  version (the usual case) knows without reading any cost row that nothing is superseded.
  (A skip index on `request_costs.catalog_version` would answer the same question but, on
  a 64-character string, measured 1.5-2 s of CPU per 1.8 M rows inserted.) Hours priced
  before this migration have no record, but the dropped view already copied their rows;
- a `minmax` index on `llm_calls.ingested_at`: the cost and heuristics jobs read the calls
  ingested since their watermark, which without it meant reading the ingestion time of
  every call of every day (the parts written before are indexed by a mutation);
- `request_costs`' seven amount columns are compressed with LZ4 instead of ZSTD: 8 % less
  CPU per insert of the cost job for 10 % more bytes (measured on 1.8 M rows; the
  random-hex id columns would save as much again but grow by half, so they keep ZSTD);
- `request_cost_versions` is every pricing of every call: the superseded rows and the
  current ones, each once (histories written by the dropped view also hold the current
  row, hence LIMIT 1 BY).
"""

from store.ddl import DDL, TableSpec

NAME = "cost history of superseded versions"

COST_HOUR_VERSIONS = TableSpec(
    name="cost_hour_versions",
    body="""    `hour` DateTime('UTC'),
    `catalog_version` LowCardinality(String),
    `priced_at` DateTime64(3, 'UTC')""",
    engine="ReplacingMergeTree",
    engine_args=("priced_at",),
    order_by="(hour, catalog_version)",
    sharding_key="cityHash64(hour)",
)

VERSIONS = """SELECT * FROM (
    SELECT * FROM request_cost_history
    UNION ALL
    SELECT * FROM request_costs FINAL)
LIMIT 1 BY trace_id, span_id, priced_at"""


AMOUNTS = ("cost_input", "cost_cache_read", "cost_cache_write", "cost_output", "cost_reasoning", "cost_request_fee",
           "cost_total")


def statements(ddl: DDL) -> list[str]:
    return [*ddl.drop_view("request_cost_history_mv"),
            *[statement for column in AMOUNTS for statement in ddl.modify_codec("request_costs", column, "LZ4")],
            *ddl.create_table(COST_HOUR_VERSIONS),
            *ddl.add_index("llm_calls", "idx_ingested_at ingested_at TYPE minmax GRANULARITY 1"),
            *ddl.materialize_index("llm_calls", "idx_ingested_at"),
            *ddl.create_view("request_cost_versions", VERSIONS)]
