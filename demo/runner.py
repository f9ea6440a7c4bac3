"""Play the fleet: a backfill of past days at full speed, then live traffic until told to stop.

The backfill plays [start, end) six simulated hours at a time: generate, send the spans, flush (the
batch exports of that hour are acknowledged), send the hour's feedback, and let each `WindowSink`
(the GPU node) report the same hour. Live play maps wall time to simulated time: each tick of wall
time `w` plays `speed × w` of simulated traffic, placed back onto the tick (request start times are
compressed, each request's own spans keep their real durations), so timestamps never run ahead of
the clock and the diurnal day passes `speed` times faster. `stop` (a threading.Event) ends play at the
next window: what was generated for that window is still sent and flushed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from demo import faults, quality
from demo.emit_feedback import FeedbackSender
from demo.emit_traces import TraceEmitter
from demo.spans import TracePlan, shifted, to_ns
from demo.traffic import traffic

log = logging.getLogger(__name__)
BACKFILL_STEP = timedelta(hours=6)  # a window per 6 hours: each ends with a flush (a round trip and a commit)


class WindowSink(Protocol):
    """Something else the fleet reports per window of time, given the window's traffic (the GPU node)."""

    def observe(self, start: datetime, end: datetime, traces: Sequence[TracePlan]) -> None: ...


@dataclass
class Played:
    """What has been sent so far (the CLI prints it; the tests compare the store with it)."""

    traces: int = 0
    spans: int = 0
    feedback: int = 0
    windows: int = 0
    services: dict[str, int] = field(default_factory=dict)


@dataclass
class Runner:
    seed: int
    anchor: datetime                 # the demo's start: the canary is placed relative to it
    emitter: TraceEmitter
    feedback: FeedbackSender
    sinks: Sequence[WindowSink] = ()
    scale: float = 1.0               # traffic as a multiple of the fleet's nominal rates
    schedule: tuple[faults.Fault, ...] = ()  # the faults played (demo/faults.py SCHEDULE; none with --no-faults)
    played: Played = field(default_factory=Played)

    def play(self, start: datetime, end: datetime, place: Callable[[TracePlan], TracePlan] | None = None,
             window: tuple[datetime, datetime] | None = None) -> list[TracePlan]:
        """Send the traffic of [start, end); `place` moves each trace (live play), `window` is then where it lands."""
        plans = traffic(self.seed, self.anchor, start, end, self.scale, schedule=self.schedule)
        if place is not None:
            plans = [place(p) for p in plans]
        self.emitter.emit(plans)
        if not self.emitter.flush():
            log.warning("demo: the span exports of %s..%s did not finish in time", start, end)
        items = quality.feedback(plans)
        if items:
            self.feedback.send(items)
        landed = window or (start, end)
        for sink in self.sinks:
            sink.observe(landed[0], landed[1], plans)
        self._count(plans, len(items))
        return plans

    def backfill(self, start: datetime, end: datetime, stop: threading.Event | None = None,
                 step: timedelta = BACKFILL_STEP) -> None:
        at = start
        while at < end and not (stop and stop.is_set()):
            self.play(at, min(at + step, end))
            at += step

    def live(self, speed: float, stop: threading.Event, tick_seconds: float = 1.0,
             clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        """Play simulated time from the anchor at `speed` times the wall clock's pace until `stop` is set.

        The wall clock starts at the anchor too, so the first tick also plays the time the backfill took."""
        wall_start = last = self.anchor
        while not stop.wait(tick_seconds):
            now = clock()
            sim_from = self.anchor + (last - wall_start) * speed
            sim_to = self.anchor + (now - wall_start) * speed
            self.play(sim_from, sim_to, place=lambda p: shifted(p, _to_wall(p.start_ns, self.anchor, wall_start,
                                                                             speed)),
                      window=(last, now))
            last = now

    def _count(self, plans: Sequence[TracePlan], feedback: int) -> None:
        self.played.traces += len(plans)
        self.played.spans += sum(len(p.spans) for p in plans)
        self.played.feedback += feedback
        self.played.windows += 1
        for plan in plans:
            self.played.services[plan.service] = self.played.services.get(plan.service, 0) + 1


def _to_wall(sim_ns: int, anchor: datetime, wall_start: datetime, speed: float) -> int:
    """Where a simulated instant lands on the wall clock in live play."""
    return to_ns(wall_start) + int((sim_ns - to_ns(anchor)) / speed)

