"""The scheduler role: periodic jobs on a thread pool (APScheduler).

Jobs are plain callables given by the composition root; a failing run is logged and
recorded, never fatal, and a slow job never overlaps itself (runs coalesce).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Any]
    interval_seconds: float


@dataclass
class JobState:
    runs: int = 0
    failures: int = 0
    last_run: str | None = None
    last_seconds: float | None = None
    last_result: Any = None
    last_error: str = ""


@dataclass
class Scheduler:
    jobs: list[Job]
    states: dict[str, JobState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._scheduler = BackgroundScheduler(
            timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        for job in self.jobs:
            self.states[job.name] = JobState()
            self._scheduler.add_job(self._runner(job), "interval", seconds=job.interval_seconds, id=job.name,
                                    next_run_time=datetime.now(timezone.utc))

    def _runner(self, job: Job) -> Callable[[], None]:
        def run() -> None:
            state, started = self.states[job.name], time.monotonic()
            state.last_run = datetime.now(timezone.utc).isoformat()
            try:
                state.last_result = job.run()
                state.last_error = ""
            except Exception as exc:  # a job's failure is recorded and retried next interval
                state.failures += 1
                state.last_error = str(exc)
                log.exception("job=%s failed", job.name)
            finally:
                state.runs += 1
                state.last_seconds = round(time.monotonic() - started, 3)

        return run

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop scheduling and wait for running jobs to finish."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def status(self) -> dict[str, dict[str, Any]]:
        return {name: vars(state).copy() for name, state in self.states.items()}
