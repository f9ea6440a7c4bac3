"""`drift_results` and `drift_feature_results`: what each drift comparison found.

Two tables, because a comparison has one verdict and many features:
- `drift_results`: one row per comparison of a group (project, service, model, feature)
  in one job run: both windows, their row counts and sample sizes, the dataset verdict
  (`status` ok with `drifted` true/false, or insufficient_data with `drifted` NULL: too
  few rows is not "no drift"), the share of drifted features and the HTML report's file.
- `drift_feature_results`: one row per compared feature of a comparison: the test
  Evidently ran, its score and threshold, the score's direction (`p_value`: drift when
  score <= threshold; `distance`: drift when score >= threshold), the verdict, and the
  summary statistics and histograms of both windows that the dashboard draws.

Both are append-only history (plain MergeTree): a comparison is never rewritten. `id`
(32 hex digits) joins them and names the report file.
"""

from store.ddl import DDL, TableSpec

NAME = "drift"

DRIFT_RESULTS = TableSpec(
    name="drift_results",
    body="""    `id` String,
    `run_id` String,
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    `project` LowCardinality(String),
    `service_name` LowCardinality(String),
    `model` LowCardinality(String),
    `feature` LowCardinality(String),
    `reference_since` DateTime64(3, 'UTC'),
    `reference_until` DateTime64(3, 'UTC'),
    `current_since` DateTime64(3, 'UTC'),
    `current_until` DateTime64(3, 'UTC'),
    `reference_rows` UInt64,
    `current_rows` UInt64,
    `reference_sample` UInt64,
    `current_sample` UInt64,
    `status` LowCardinality(String),
    `drifted` Nullable(Bool),
    `drifted_features` UInt32,
    `compared_features` UInt32,
    `drift_share` Nullable(Float64),
    `drift_share_threshold` Float64,
    `report_file` String,
    `seconds` Float64""",
    partition_by="toYYYYMM(computed_at)",
    order_by="(project, service_name, model, feature, computed_at, id)",
    sharding_key="cityHash64(id)",
)

DRIFT_FEATURE_RESULTS = TableSpec(
    name="drift_feature_results",
    body="""    `id` String,
    `computed_at` DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    `name` LowCardinality(String),
    `kind` LowCardinality(String),
    `status` LowCardinality(String),
    `method` LowCardinality(String),
    `score` Nullable(Float64),
    `threshold` Nullable(Float64),
    `direction` LowCardinality(String),
    `drifted` Nullable(Bool),
    `reference_values` UInt64,
    `current_values` UInt64,
    `reference_mean` Nullable(Float64),
    `current_mean` Nullable(Float64),
    `reference_p50` Nullable(Float64),
    `current_p50` Nullable(Float64),
    `reference_p95` Nullable(Float64),
    `current_p95` Nullable(Float64),
    `bins` Array(String),
    `reference_counts` Array(UInt64),
    `current_counts` Array(UInt64)""",
    partition_by="toYYYYMM(computed_at)",
    order_by="(id, name)",
    sharding_key="cityHash64(id)",
)


def statements(ddl: DDL) -> list[str]:
    return [*ddl.create_table(DRIFT_RESULTS), *ddl.create_table(DRIFT_FEATURE_RESULTS)]
