"""The store's numbered schema migrations, in order. Each module has NAME and statements(ddl)."""

from store.migrate import Migration
from store.migrations import (
                              m0001_otel_tables,
                              m0002_llm_calls,
                              m0003_gpu_samples,
                              m0004_request_costs,
                              m0005_quality_scores,
                              m0006_cost_hourly,
                              m0007_gpu_costs,
                              m0008_drift,
                              m0009_gpu_samples_rollups,
                              m0010_evaluation_views,
                              m0011_cost_history_superseded,
                              m0012_gpu_minutes_by_period,
                              m0013_cost_slices,
                              m0014_instrumentation_and_price_basis,
)

MIGRATIONS: list[Migration] = [
    Migration(1, m0001_otel_tables.NAME, m0001_otel_tables.statements),
    Migration(2, m0002_llm_calls.NAME, m0002_llm_calls.statements),
    Migration(3, m0003_gpu_samples.NAME, m0003_gpu_samples.statements),
    Migration(4, m0004_request_costs.NAME, m0004_request_costs.statements),
    Migration(5, m0005_quality_scores.NAME, m0005_quality_scores.statements),
    Migration(6, m0006_cost_hourly.NAME, m0006_cost_hourly.statements),
    Migration(7, m0007_gpu_costs.NAME, m0007_gpu_costs.statements),
    Migration(8, m0008_drift.NAME, m0008_drift.statements),
    Migration(9, m0009_gpu_samples_rollups.NAME, m0009_gpu_samples_rollups.statements),
    Migration(10, m0010_evaluation_views.NAME, m0010_evaluation_views.statements),
    Migration(11, m0011_cost_history_superseded.NAME, m0011_cost_history_superseded.statements),
    Migration(12, m0012_gpu_minutes_by_period.NAME, m0012_gpu_minutes_by_period.statements),
    Migration(13, m0013_cost_slices.NAME, m0013_cost_slices.statements),
    Migration(14, m0014_instrumentation_and_price_basis.NAME, m0014_instrumentation_and_price_basis.statements),
]
