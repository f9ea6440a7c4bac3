"""The store's numbered schema migrations, in order. Each module `mNNNN_<name>` has NAME and
statements(ddl); its number is its version."""

from types import ModuleType

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
    m0015_leases,
    m0016_alerts,
    m0017_notifications,
    m0018_gpu_cost_queue,
    m0019_spend_with_gpu,
    m0020_runbook_versions,
    m0021_incidents,
    m0022_releases,
    m0023_trace_summaries,
    m0024_call_rollups,
    m0025_storage_codecs,
    m0026_operation_rollups,
    m0027_daily_rollups,
    m0028_queued_versions,
)

_MODULES: tuple[ModuleType, ...] = (
    m0001_otel_tables, m0002_llm_calls, m0003_gpu_samples, m0004_request_costs, m0005_quality_scores,
    m0006_cost_hourly, m0007_gpu_costs, m0008_drift, m0009_gpu_samples_rollups, m0010_evaluation_views,
    m0011_cost_history_superseded, m0012_gpu_minutes_by_period, m0013_cost_slices,
    m0014_instrumentation_and_price_basis, m0015_leases, m0016_alerts, m0017_notifications, m0018_gpu_cost_queue,
    m0019_spend_with_gpu, m0020_runbook_versions, m0021_incidents, m0022_releases, m0023_trace_summaries,
    m0024_call_rollups, m0025_storage_codecs, m0026_operation_rollups,
    m0027_daily_rollups, m0028_queued_versions,
)


def _version(module: ModuleType) -> int:
    return int(module.__name__.rpartition(".")[2][1:5])


MIGRATIONS: list[Migration] = [Migration(_version(m), m.NAME, m.statements) for m in _MODULES]
