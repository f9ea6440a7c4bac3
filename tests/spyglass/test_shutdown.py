"""SIGTERM ends the service within `shutdown_timeout_seconds` whatever its jobs are doing, and nothing is
lost or counted twice: an abandoned job resumes from its watermark at the next start."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from spyglass.scheduler import Job, Scheduler
from tests.helpers.backlog import seed_backlog
from tests.helpers.service_process import ServiceProcess
from tests.helpers.wait import eventually

CALLS = 1_000_000
TIMEOUT_S = 4


def test_stop_waits_for_chunked_jobs_and_abandons_the_others_at_the_deadline():
    started = threading.Event()
    chunks: list[int] = []

    def chunked(now) -> None:
        started.set()
        for chunk in range(1000):
            if scheduler.stopping.is_set():
                return
            chunks.append(chunk)
            time.sleep(0.01)

    def stuck(now) -> None:
        time.sleep(3)

    scheduler = Scheduler([Job("chunked", 60, chunked), Job("stuck", 60, stuck)])
    scheduler.start()
    started.wait(5)
    eventually(lambda: scheduler.status()["stuck"]["running"], timeout=5, interval=0.01, what="stuck running")
    before = time.monotonic()
    abandoned = scheduler.stop(timeout=0.5)
    assert abandoned == ["stuck"] and time.monotonic() - before < 1.5
    assert not scheduler.status()["chunked"]["running"] and len(chunks) < 1000


def test_sigterm_on_a_large_backlog_exits_on_time_and_the_next_start_prices_every_call_once(tmp_path):
    data = tmp_path / "data"
    seed_backlog(data, CALLS)
    args = ["--shutdown-timeout-seconds", str(TIMEOUT_S), "--costs-interval-seconds", "0.2"]
    service = ServiceProcess(data, extra_args=args).start()
    eventually(lambda: httpx.get(f"{service.api}/readyz", timeout=5).json()["jobs"]["costs"]["running"],
               timeout=60, interval=0.05, what="the cost job working through the backlog")
    signalled = time.monotonic()
    service.process.send_signal(signal.SIGTERM)
    assert service.process.wait(TIMEOUT_S + 10) == 0
    took = time.monotonic() - signalled
    assert took < TIMEOUT_S + 2, f"exited {took:.1f} s after SIGTERM (budget {TIMEOUT_S} s)"
    # Whether the cost job stopped at a chunk or was abandoned depends on the machine's speed; either way
    # nothing may be lost or priced twice (the abandonment path itself is the test above).
    assert "stopped" in service.log()

    again = ServiceProcess(data, extra_args=["--costs-interval-seconds", "0.2"]).start()
    try:
        def priced() -> dict | None:
            totals = httpx.get(f"{again.api}/api/v1/costs/breakdown", params={"since": "2d", "by": "model"},
                               timeout=30).json()["totals"]
            return totals if totals["calls"] == CALLS else None

        totals = eventually(priced, timeout=120, interval=1, what="every call of the backlog priced")
        assert totals["calls"] == CALLS  # each once: the rollup counts priced calls, duplicates would exceed it
    finally:
        again.stop()
