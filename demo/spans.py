"""A trace as generation plans it: spans with their ids, parents, times, attributes, status and events.

Plain frozen data, so generation stays pure and tests read it directly; `demo/emit_traces.py` turns
it into OpenTelemetry SDK spans with exactly these ids and times. Times are Unix nanoseconds (UTC).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

Attributes = dict[str, Any]


@dataclass(frozen=True)
class Event:
    name: str
    time_ns: int
    attributes: Attributes


@dataclass(frozen=True)
class SpanPlan:
    span_id: str                 # 16 hex digits
    parent_id: str | None        # None for the root
    name: str
    kind: str                    # "server", "client" or "internal" (OTel SpanKind names)
    start_ns: int
    end_ns: int
    attributes: Attributes
    error: str | None = None     # the status description when the span failed
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class TracePlan:
    trace_id: str                # 32 hex digits
    service: str
    resource: Attributes         # service.name, service.version, environment, ...
    spans: tuple[SpanPlan, ...]  # parents before children
    user: str
    feature: str

    @property
    def start_ns(self) -> int:
        return self.spans[0].start_ns

    @property
    def end_ns(self) -> int:
        return max(s.end_ns for s in self.spans)


def to_ns(at: datetime) -> int:
    """Unix nanoseconds of a UTC datetime, exactly (no float on the way)."""
    return (at - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) * 1000


def new_trace_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128) | 1:032x}"


def new_span_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64) | 1:016x}"


def shifted(trace: TracePlan, start_ns: int) -> TracePlan:
    """The same trace started at `start_ns`: every span and event moves by the same offset."""
    offset = start_ns - trace.start_ns
    return replace(trace, spans=tuple(
        replace(s, start_ns=s.start_ns + offset, end_ns=s.end_ns + offset,
                events=tuple(replace(e, time_ns=e.time_ns + offset) for e in s.events))
        for s in trace.spans))
