"""The scheduler runs jobs at once and then every interval with the time it read, records failures and
measures every run; the service schedules its jobs and one scheduler holds a store."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from spyglass.scheduler import Job, Scheduler
from store.errors import ConfigError
from tests.helpers.wait import eventually

NOON = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def _points(reader: InMemoryMetricReader) -> dict[tuple[str, tuple], float]:
    out = {}
    for resource in reader.get_metrics_data().resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = point.value if hasattr(point, "value") else point.count
                    out[(metric.name, tuple(sorted(point.attributes.items())))] = value
    return out


def test_jobs_get_the_schedulers_time_failures_are_recorded_not_fatal_and_runs_are_measured():
    seen: list[datetime] = []

    def flaky(now: datetime) -> int:
        seen.append(now)
        if len(seen) == 1:
            raise RuntimeError("store away")
        return len(seen)

    reader = InMemoryMetricReader()
    scheduler = Scheduler([Job("flaky", 0.1, flaky)], MeterProvider([reader]).get_meter("test"), clock=lambda: NOON)
    scheduler.start()
    try:
        eventually(lambda: len(seen) >= 3, timeout=10, interval=0.02, what="three runs")
    finally:
        scheduler.stop()
    assert set(seen) == {NOON}
    state = scheduler.status()["flaky"]
    assert state["failures"] == 1 and state["runs"] >= 3 and state["last_run"] == NOON.isoformat()
    assert state["last_error"] == "" and state["last_result"] >= 3
    points = _points(reader)
    job = (("job", "flaky"),)
    assert points[("spyglass.job.failures", job)] == 1
    assert points[("spyglass.job.runs", (("job", "flaky"), ("outcome", "error")))] == 1
    assert points[("spyglass.job.runs", (("job", "flaky"), ("outcome", "ok")))] == state["runs"] - 1
    assert points[("spyglass.job.duration", job)] == state["runs"]


def test_the_service_schedules_its_jobs_and_reports_them(service):
    def compaction_ran() -> bool:
        jobs = httpx.get(f"{service.api}/readyz").json().get("jobs", {})
        return jobs.get("compaction", {}).get("runs", 0) >= 1

    eventually(compaction_ran, timeout=10, what="a compaction run")
    jobs = httpx.get(f"{service.api}/readyz").json()["jobs"]
    assert jobs["compaction"]["last_error"] == "" and jobs["compaction"]["last_result"] == 0
    assert {"lease", "call-rollup", "operation-rollup", "costs", "cost-rollup", "trace-summaries", "gpu-costs",
            "drift", "heuristics", "quality-join", "changes", "canary"} <= set(jobs)


def test_a_second_scheduler_on_one_store_refuses_to_start_and_the_first_one_stopping_frees_it(service_factory):
    first = service_factory()
    with pytest.raises(ConfigError, match="holds the scheduler lease"):
        service_factory(database=first.settings.database, clickhouse_url=first.settings.clickhouse_url,
                        data_dir=first.settings.data_dir, roles="scheduler")
    api_only = service_factory(database=first.settings.database, clickhouse_url=first.settings.clickhouse_url,
                               data_dir=first.settings.data_dir, roles="api,collector")
    assert api_only.ready()
    first.stop()
    second = service_factory(database=first.settings.database, clickhouse_url=first.settings.clickhouse_url,
                             data_dir=first.settings.data_dir, roles="scheduler")
    assert second.service.scheduler is not None


def test_dcgm_targets_without_the_collector_in_this_process_are_refused(service_factory):
    with pytest.raises(ConfigError, match="gpu.dcgm_targets needs the collector and scheduler roles"):
        service_factory(gpu={"dcgm_targets": ["http://127.0.0.1:9400/metrics"]}, roles="api,scheduler")
