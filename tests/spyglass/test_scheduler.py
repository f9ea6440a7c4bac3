"""The scheduler runs jobs at once and then every interval, records failures, and stops cleanly."""

from __future__ import annotations

import httpx

from spyglass.scheduler import Job, Scheduler
from tests.helpers.wait import eventually


def test_jobs_run_and_failures_are_recorded_not_fatal():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store away")
        return len(calls)

    scheduler = Scheduler([Job("flaky", flaky, 0.1)])
    scheduler.start()
    try:
        eventually(lambda: len(calls) >= 3, timeout=10, interval=0.02, what="three runs")
    finally:
        scheduler.stop()
    state = scheduler.status()["flaky"]
    assert state["failures"] == 1 and state["runs"] >= 3
    assert state["last_error"] == "" and state["last_result"] >= 3


def test_the_service_schedules_compaction_and_reports_it(service):
    def compaction_ran() -> bool:
        jobs = httpx.get(f"{service.api}/readyz").json().get("jobs", {})
        return jobs.get("compaction", {}).get("runs", 0) >= 1

    eventually(compaction_ran, timeout=10, what="a compaction run")
    state = httpx.get(f"{service.api}/readyz").json()["jobs"]["compaction"]
    assert state["last_error"] == "" and state["last_result"] == 0
