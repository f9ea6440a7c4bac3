"""GET /metrics in the Prometheus text exposition format: Spyglass's own instruments and the business gauges.

One instrumentation, two readers: the instruments the parts already make with the OpenTelemetry SDK (receiver,
writer, jobs, rule evaluations, deliveries) are read by the periodic reader that stores them and by an
in-memory reader (cumulative) that this module renders at each scrape; nothing is counted twice. The names
follow the OpenTelemetry-to-Prometheus rules: dots become underscores, the unit becomes a suffix (`s` ->
`_seconds`, `By` -> `_bytes`; annotations such as `{request}` are dropped), counters end in `_total`.

The business gauges are read from the store at each scrape (prometheus_client's custom-collector pattern):
today's spend by project and model (a float, as every Prometheus sample is, made from the exact Decimal sum),
today's calls without a price, and firing alerts by severity. If the store does not answer, the scrape still
serves the instruments and says so in `spyglass_business_gauges_ok 0`.

prometheus_client does the exposition (escaping, `# HELP`/`# TYPE`, histogram buckets): it is the project's
reference client library, so what Prometheus parses is what its own library writes.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from opentelemetry.sdk.metrics.export import Gauge, Histogram, InMemoryMetricReader, Metric, MetricsData, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric as Family
from prometheus_client.registry import Collector

from store.base import Store
from store.queries import operator_gauges

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_UNITS = {"s": "_seconds", "ms": "_milliseconds", "By": "_bytes", "1": "_ratio"}
_INVALID = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(name: str, unit: str) -> str:
    """An OpenTelemetry instrument's name and unit as a Prometheus metric name (without `_total`)."""
    base = _INVALID.sub("_", name)
    suffix = _UNITS.get(unit, "")
    return base if base.endswith(suffix) else base + suffix


def _label(key: str) -> str:
    label = _INVALID.sub("_", key)
    return f"_{label}" if label[:1].isdigit() else label


def _values(attributes: Mapping[str, Any] | None, keys: list[str]) -> list[str]:
    return [str((attributes or {}).get(k, "")) for k in keys]


def _family(metric: Metric) -> Family | None:
    """One instrument's cumulative points as a Prometheus metric family."""
    data, name, doc = metric.data, metric_name(metric.name, metric.unit or ""), metric.description or ""
    keys = sorted({k for p in data.data_points for k in (p.attributes or {})})
    labels = [_label(k) for k in keys]
    if isinstance(data, Sum | Gauge):
        monotonic = isinstance(data, Sum) and data.is_monotonic
        family = (CounterMetricFamily if monotonic else GaugeMetricFamily)(name, doc, labels=labels)
        for point in data.data_points:
            family.add_metric(_values(point.attributes, keys), point.value)
        return family
    if isinstance(data, Histogram):
        histogram = HistogramMetricFamily(name, doc, labels=labels)
        for h in data.data_points:
            running, buckets = 0, []
            for bound, count in zip([*h.explicit_bounds, math.inf], h.bucket_counts, strict=True):
                running += count
                buckets.append(("+Inf" if bound == math.inf else repr(float(bound)), running))
            histogram.add_metric(_values(h.attributes, keys), buckets, h.sum)
        return histogram
    return None  # exponential histograms: none of ours makes one


def own_families(data: MetricsData | None) -> list[Family]:
    """Every instrument of the service's meter provider, merged by name across scopes."""
    by_name: dict[str, Family] = {}
    for resource in (data.resource_metrics if data else ()):
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                family = _family(metric)
                if family is None:
                    continue
                if family.name in by_name:
                    by_name[family.name].samples.extend(family.samples)
                else:
                    by_name[family.name] = family
    return list(by_name.values())


def business_families(store: Store, now: datetime) -> list[Family]:
    """Today's spend and unpriced calls by project and model, firing alerts by severity."""
    spend = GaugeMetricFamily("spyglass_spend_today_usd", "Spend of the current UTC day (token + GPU, by the spend "
                              "rule; the hourly rollup as the Costs page reads it), by project and model",
                              labels=["project", "model"])
    unpriced = GaugeMetricFamily("spyglass_unpriced_calls_today", "LLM calls of the current UTC day without a "
                                 "price, by project and model", labels=["project", "model"])
    for row in operator_gauges.spend_today(store, now):
        spend.add_metric([row["project"], row["model"]], float(row["cost"]))
        unpriced.add_metric([row["project"], row["model"]], row["unpriced_calls"])
    firing = GaugeMetricFamily("spyglass_alerts_firing", "Alert instances firing now, by severity",
                               labels=["severity"])
    for severity, count in operator_gauges.firing_by_severity(store).items():
        firing.add_metric([severity], count)
    return [spend, unpriced, firing]


class _Scrape(Collector):
    def __init__(self, reader: InMemoryMetricReader | None, store: Store, clock: Callable[[], datetime]) -> None:
        self._reader, self._store, self._clock = reader, store, clock

    def collect(self) -> Iterator[Family]:
        yield from own_families(self._reader.get_metrics_data() if self._reader else None)
        ok = GaugeMetricFamily("spyglass_business_gauges_ok", "1 when the business gauges of this scrape were read "
                               "from the store, 0 when the store did not answer")
        try:
            yield from business_families(self._store, self._clock())
            ok.add_metric([], 1)
        except Exception as exc:  # the instruments are still worth serving when the store is the problem
            log.warning("metrics: business gauges unavailable: %s", exc)
            ok.add_metric([], 0)
        yield ok


def exposition(reader: InMemoryMetricReader | None, store: Store,
               clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> bytes:
    """The whole /metrics answer, in the text format version 0.0.4."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(reader, store, clock))
    return generate_latest(registry)
