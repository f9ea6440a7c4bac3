"""The demo's GPU node: `spyglass gpu-agent`'s own code over the stand-in NVML, with the fleet's load and times.

Each sampling round sets the stand-in's readings from the host's simulated load (demo/gpus.py), then
runs the agent's path unchanged: `gpu_agent.sample(nvml)` reads the (stand-in) NVML API into
readings, `gpu_agent.meter_provider` observes them through the OpenTelemetry SDK's instruments, and
its real OTLP/HTTP exporter sends them. Two things differ from the live agent, both in the exporter
seat only: the SDK stamps a collection with the wall clock, so each round's data points are re-stamped
with the round's simulated time (the backfill's past); and rounds are held and sent together, up to
`batch_rounds` per OTLP request (one series' points of many rounds, merged into one metric, because
OTLP's encoder keeps one entry per resource), so a week of one-minute samples is a few dozen requests.
It lives in the composition root because the demo package may not import the agent (spyglass/).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from opentelemetry.sdk.metrics.export import (
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    ResourceMetrics,
)

from demo import fleet, gpus, standin_nvml
from demo.spans import TracePlan, to_ns
from spyglass import gpu_agent

log = logging.getLogger(__name__)
SAMPLE_EVERY = timedelta(minutes=1)
BATCH_ROUNDS = 240


class HeldRounds(MetricExporter):
    """Takes each collection, re-stamps it at `at_ns`, and holds it; `send()` exports what is held as one request."""

    def __init__(self, inner: MetricExporter) -> None:
        super().__init__(preferred_temporality=inner._preferred_temporality,
                         preferred_aggregation=inner._preferred_aggregation)
        self.inner = inner
        self.at_ns = 0
        self.first_ns = 0  # the start of every cumulative series: the first round's time
        self.rounds: list[ResourceMetrics] = []

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        self.first_ns = self.first_ns or self.at_ns
        self.rounds += [_stamped(rm, self.at_ns, self.first_ns) for rm in metrics_data.resource_metrics]
        return MetricExportResult.SUCCESS

    def send(self) -> bool:
        if not self.rounds:
            return True
        merged, self.rounds = _merged(self.rounds), []
        return self.inner.export(merged) == MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown()


def _stamped(rm: ResourceMetrics, at_ns: int, first_ns: int) -> ResourceMetrics:
    def metric(m: Metric) -> Metric:
        data: Any = m.data  # Gauge or Sum here: the agent's instruments are observable gauges and counters
        points = [replace(p, time_unix_nano=at_ns, start_time_unix_nano=first_ns) for p in data.data_points]
        return replace(m, data=replace(data, data_points=points))
    return replace(rm, scope_metrics=[replace(sm, metrics=[metric(m) for m in sm.metrics]) for sm in rm.scope_metrics])


def _merged(rounds: Sequence[ResourceMetrics]) -> MetricsData:
    """Rounds of one resource and scope as one ResourceMetrics: each metric with every round's points."""
    first = rounds[0]
    metrics: dict[str, Metric] = {}
    points: dict[str, list[Any]] = {}
    for rm in rounds:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                metrics.setdefault(m.name, m)
                points.setdefault(m.name, []).extend(m.data.data_points)
    merged = []
    for name, m in metrics.items():
        data: Any = m.data
        merged.append(replace(m, data=replace(data, data_points=points[name])))
    scope = first.scope_metrics[0]
    return MetricsData(resource_metrics=[replace(first, scope_metrics=[replace(scope, metrics=merged)])])


class GpuNode:
    """A vLLM host's GPUs, sampled every `every` of the fleet's time, exported to `endpoint` (OTLP/HTTP).

    The stand-in NVML is one module-wide GPU set: nodes take turns (each round sets it, then samples), and
    the caller initialises and shuts it down once (`standin_nvml.nvmlInit`/`nvmlShutdown`) around them all."""

    def __init__(self, endpoint: str, seed: int, headers: dict[str, str] | None = None, project: str | None = None,
                 every: timedelta = SAMPLE_EVERY, batch_rounds: int = BATCH_ROUNDS,
                 host: str = fleet.GPU_HOST) -> None:
        self.seed = seed
        self.host = host
        self.every = every
        self.batch_rounds = batch_rounds
        self.rounds = 0
        self._energy = [0] * fleet.GPU_COUNT
        self._calls: deque[tuple[int, float]] = deque()  # (start ns, busy seconds) of the host's recent requests
        self._next: datetime | None = None
        self._latest: list[gpu_agent.Reading] = []
        self._exporter = HeldRounds(gpu_agent.exporter(endpoint, "http", headers or {}))
        self._provider = gpu_agent.meter_provider(self._exporter, lambda: self._latest, host, project)

    def observe(self, start: datetime, end: datetime, traces: Sequence[TracePlan]) -> None:
        """Sample every round that falls in (start, end], from the host's load in the interval before it."""
        for plan in traces:
            busy = gpus.host_busy_seconds([plan], self.host)
            if busy:
                self._calls.append((plan.start_ns, busy))
        at = self._next or _ceil(start, self.every)
        while at <= end:
            self._round(at)
            at += self.every
        self._next = at
        self.send()

    def _round(self, at: datetime) -> None:
        at_ns, interval = to_ns(at), self.every.total_seconds()
        since_ns = at_ns - int(interval * 1e9)
        while self._calls and self._calls[0][0] < since_ns:
            self._calls.popleft()
        busy = sum(b for start, b in self._calls if start < at_ns)
        state = gpus.readings(self.seed, at_ns, busy, interval, self._energy, self.host)
        standin_nvml.set_gpus(state)
        self._latest = gpu_agent.sample(standin_nvml)
        self._exporter.at_ns = at_ns
        self._provider.force_flush()
        self._energy = [e + g["power_mw"] * int(interval) for e, g in zip(self._energy, state, strict=True)]
        self.rounds += 1
        if len(self._exporter.rounds) >= self.batch_rounds:
            self.send()

    def send(self) -> None:
        if not self._exporter.send():
            log.warning("demo: a GPU metrics export failed")

    def shutdown(self) -> None:
        self.send()
        self._provider.shutdown()


def open_nodes(endpoint: str, seed: int, headers: dict[str, str] | None = None,
               hosts: tuple[str, ...] = fleet.AGENT_HOSTS) -> list[GpuNode]:
    """The fleet's agent-reporting GPU hosts over one initialised stand-in NVML (`close_nodes` ends both)."""
    standin_nvml.set_gpus(gpus.readings(seed, 0, 0.0, 60.0, [0] * fleet.GPU_COUNT))
    standin_nvml.nvmlInit()
    return [GpuNode(endpoint, seed, headers, host=host) for host in hosts]


def close_nodes(nodes: Sequence[GpuNode]) -> None:
    for node in nodes:
        node.shutdown()
    standin_nvml.nvmlShutdown()


def _ceil(at: datetime, every: timedelta) -> datetime:
    """The first multiple of `every` (from the epoch) after `at`."""
    return fleet.EPOCH + ((at - fleet.EPOCH) // every + 1) * every
