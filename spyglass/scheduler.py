"""The scheduler role: periodic jobs on a thread pool (APScheduler).

A job is a name, an interval and `run(now)`: the scheduler reads the clock and passes the time
in, so no job reads the clock itself and every job can be run in a test at any time. A failing
run is logged and recorded, never fatal; a slow job never overlaps itself (runs coalesce). Every
run is measured through the service's meter (`spyglass.job.runs`, `.failures`, `.duration`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from opentelemetry.metrics import Meter, NoOpMeter

log = logging.getLogger(__name__)
logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every run at INFO; ours says what matters


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[datetime], Any]


@dataclass
class JobState:
    runs: int = 0
    failures: int = 0
    last_run: str | None = None
    last_seconds: float | None = None
    last_result: Any = None
    last_error: str = ""


def _plain(result: Any) -> Any:
    """A job's result as readiness serves it (results with `as_dict` become dicts)."""
    as_dict = getattr(result, "as_dict", None)
    return as_dict() if callable(as_dict) else result


@dataclass
class Scheduler:
    jobs: list[Job]
    meter: Meter = field(default_factory=lambda: NoOpMeter("spyglass.scheduler"))
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    states: dict[str, JobState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._runs = self.meter.create_counter("spyglass.job.runs", "{run}", "Scheduled job runs, by job and outcome")
        self._failures = self.meter.create_counter("spyglass.job.failures", "{run}", "Scheduled job runs that failed")
        self._duration = self.meter.create_histogram("spyglass.job.duration", "s", "Duration of a scheduled job run")
        self._scheduler = BackgroundScheduler(
            timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        for job in self.jobs:
            self.states[job.name] = JobState()
            self._scheduler.add_job(self._runner(job), "interval", seconds=job.interval_seconds, id=job.name,
                                    next_run_time=datetime.now(timezone.utc))

    def _runner(self, job: Job) -> Callable[[], None]:
        def run() -> None:
            state, started, now = self.states[job.name], time.monotonic(), self.clock()
            state.last_run = now.isoformat()
            outcome = "ok"
            try:
                state.last_result = _plain(job.run(now))
                state.last_error = ""
            except Exception as exc:  # a job's failure is recorded and retried next interval
                outcome = "error"
                state.failures += 1
                state.last_error = str(exc)
                self._failures.add(1, {"job": job.name})
                log.exception("job=%s failed", job.name)
            finally:
                seconds = time.monotonic() - started
                state.runs += 1
                state.last_seconds = round(seconds, 3)
                self._runs.add(1, {"job": job.name, "outcome": outcome})
                self._duration.record(seconds, {"job": job.name})

        return run

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop scheduling and wait for running jobs to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def status(self) -> dict[str, dict[str, Any]]:
        return {name: vars(state).copy() for name, state in self.states.items()}
