"""The scheduler role: periodic jobs on a thread pool (APScheduler).

A job is a name, an interval and `run(now)`: the scheduler reads the clock and passes the time
in, so no job reads the clock itself and every job can be run in a test at any time. A failing
run is logged and recorded, never fatal; a slow job never overlaps itself (runs coalesce). Every
run is measured through the service's meter (`spyglass.job.runs`, `.failures`, `.duration`) and traced as a
span `job <name>` by the service's jobs tracer (sampled by `telemetry.jobs_trace_ratio`).

Stopping is bounded: `stop(timeout)` sets `stopping` (jobs that work in chunks ask it between
chunks and end there; they are idempotent and resume from their watermark), waits at most
`timeout` for the running ones, and names those still running, which the caller abandons.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from opentelemetry.metrics import Meter, NoOpMeter
from opentelemetry.trace import NoOpTracer, Tracer

log = logging.getLogger(__name__)
# APScheduler logs every run at INFO and every coalesced (skipped) run at WARNING; ours says what matters.
logging.getLogger("apscheduler").setLevel(logging.ERROR)


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
    running: bool = False


def _plain(result: Any) -> Any:
    """A job's result as readiness serves it (results with `as_dict` become dicts)."""
    as_dict = getattr(result, "as_dict", None)
    return as_dict() if callable(as_dict) else result


@dataclass
class Scheduler:
    jobs: list[Job]
    meter: Meter = field(default_factory=lambda: NoOpMeter("spyglass.scheduler"))
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    stopping: threading.Event = field(default_factory=threading.Event)
    states: dict[str, JobState] = field(default_factory=dict)
    tracer: Tracer = field(default_factory=NoOpTracer)

    def __post_init__(self) -> None:
        self._idle = threading.Condition()
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
            if self.stopping.is_set():
                return
            state, started, now = self.states[job.name], time.monotonic(), self.clock()
            with self._idle:
                state.running = True
            state.last_run = now.isoformat()
            outcome = "ok"
            try:
                # The span records a failure (status and exception event) as it passes through.
                with self.tracer.start_as_current_span(f"job {job.name}", attributes={"job.name": job.name}):
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
                with self._idle:
                    state.running = False
                    self._idle.notify_all()
                state.runs += 1
                state.last_seconds = round(seconds, 3)
                self._runs.add(1, {"job": job.name, "outcome": outcome})
                self._duration.record(seconds, {"job": job.name})

        return run

    def start(self) -> None:
        self._scheduler.start()

    def stop(self, timeout: float = 30.0) -> list[str]:
        """Stop scheduling, ask running jobs to stop at their next chunk, and wait at most `timeout` seconds;
        returns the jobs still running then (abandoned: the process may exit under them)."""
        self.stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        deadline = time.monotonic() + timeout
        with self._idle:
            while (running := self._running()) and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
        for name in running:
            log.warning("job=%s still running at the shutdown deadline: abandoned (it is idempotent and resumes "
                        "from its watermark at the next start)", name)
        return running

    def _running(self) -> list[str]:
        return sorted(name for name, state in self.states.items() if state.running)

    def status(self) -> dict[str, dict[str, Any]]:
        return {name: vars(state).copy() for name, state in self.states.items()}
