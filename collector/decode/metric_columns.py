"""One OTLP metrics request read once into columns: the input of both metric writers.

Why: the raw `otel_metrics_*` tables (collector/decode/metrics.py) and the `gpu_samples` pivot
(collector/normalise/gpu.py) need the same points, and reading a protobuf field costs far more than
appending to a list. So each data point is read exactly once, here: its times, flags and
value(s) go to the column lists of its kind, its attributes to the request's
`AttributeSets` (one number per distinct list). What is the same for every point of a
metric (names, unit, scope, resource, temporality) is kept once per `Metric` with the row
range of its points; the writers expand it per point with Arrow `take`.

A point with a time beyond 2262 stays in the columns (the GPU pivot applies its own time
rule) but is listed in `rejected` for the raw tables, with the partial-success count and
message the exporter contract asks for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from collector.decode.attributes import AttributeSets, attribute_dict
from collector.decode.signal import MAX_UNIX_NANO, Decoded, resource_attributes

NUMBER_KINDS = ("gauge", "sum")

# The per-point columns of each kind besides the times, flags, attributes and exemplars.
VALUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "gauge": ("Value",),
    "sum": ("Value",),
    "histogram": ("Count", "Sum", "BucketCounts", "ExplicitBounds", "Min", "Max"),
    "exponential_histogram": ("Count", "Sum", "Scale", "ZeroCount", "PositiveOffset", "PositiveBucketCounts",
                              "NegativeOffset", "NegativeBucketCounts", "Min", "Max"),
    "summary": ("Count", "Sum", "ValueAtQuantiles.Quantile", "ValueAtQuantiles.Value"),
}


@dataclass(frozen=True)
class Scope:
    """What one ScopeMetrics and its ResourceMetrics give every metric in it."""

    resource: dict[str, str]
    resource_schema_url: str
    name: str
    version: str
    dropped_attributes_count: int
    schema_url: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class Metric:
    """One metric: its own columns, and its points as rows `first`..`end` of its kind's columns."""

    scope: int
    name: str
    description: str
    unit: str
    kind: str
    temporality: int  # AggregationTemporality; 0 for gauges and summaries
    monotonic: bool
    first: int
    end: int


@dataclass
class KindColumns:
    """Every point of one kind (gauge, sum, ...) in request order, one list per column."""

    kind: str
    metric: list[int] = field(default_factory=list)
    start_time: list[int] = field(default_factory=list)
    time: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    attributes: list[int] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)
    exemplars: dict[int, Any] = field(default_factory=dict)  # row → exemplars, for the few points with any
    rejected: list[int] = field(default_factory=list)        # rows refused for the raw tables

    def __post_init__(self) -> None:
        self.values = {name: [] for name in VALUE_COLUMNS[self.kind]}


@dataclass
class RequestColumns:
    scopes: list[Scope] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    kinds: dict[str, KindColumns] = field(default_factory=dict)
    attribute_sets: AttributeSets = field(default_factory=AttributeSets)
    outcome: Decoded = field(default_factory=Decoded)


def _histogram(point) -> tuple:
    return (point.count, point.sum, list(point.bucket_counts), list(point.explicit_bounds), point.min, point.max)


def _exponential(point) -> tuple:
    positive, negative = point.positive, point.negative
    return (point.count, point.sum, point.scale, point.zero_count, positive.offset, list(positive.bucket_counts),
            negative.offset, list(negative.bucket_counts), point.min, point.max)


def _summary(point) -> tuple:
    quantiles = point.quantile_values
    return point.count, point.sum, [q.quantile for q in quantiles], [q.value for q in quantiles]


_VALUES = {"histogram": _histogram, "exponential_histogram": _exponential, "summary": _summary}


def _read_points(points, columns: KindColumns, sets: AttributeSets) -> list[int]:
    """Append every point to the columns; returns the rows with a time beyond 2262."""
    row = len(columns.time)
    too_late = []
    start_times, times, flags = columns.start_time.append, columns.time.append, columns.flags.append
    attributes, exemplars, number = columns.attributes.append, columns.exemplars, sets.number
    kind = columns.kind
    value: Callable[[float], None] | None = None
    read_values: Callable[[Any], tuple] | None = None
    value_lists: list[Callable[[Any], None]] = []
    if kind in NUMBER_KINDS:
        value = columns.values["Value"].append
    else:
        read_values, value_lists = _VALUES[kind], [v.append for v in columns.values.values()]
    has_exemplars = kind != "summary"
    for point in points:
        start, time = point.start_time_unix_nano, point.time_unix_nano
        start_times(start)
        times(time)
        flags(point.flags)
        attributes(number(point.attributes))
        late = start > MAX_UNIX_NANO or time > MAX_UNIX_NANO
        if has_exemplars:
            sent = point.exemplars
            if sent:
                exemplars[row] = sent
                late = late or max(e.time_unix_nano for e in sent) > MAX_UNIX_NANO
        if value is not None:
            value(point.as_double if point.WhichOneof("value") == "as_double" else float(point.as_int))
        elif read_values is not None:
            for append, item in zip(value_lists, read_values(point), strict=True):
                append(item)
        if late:
            too_late.append(row)
        row += 1
    return too_late


def read(request: ExportMetricsServiceRequest, project: str | None) -> RequestColumns:
    """Read every data point of the request once; refused points are counted in `outcome`."""
    out = RequestColumns()
    for resource_metrics in request.resource_metrics:
        resource = resource_attributes(resource_metrics.resource, project)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_metrics.scope
            out.scopes.append(Scope(resource, resource_metrics.schema_url, scope.name, scope.version,
                                    scope.dropped_attributes_count, scope_metrics.schema_url,
                                    attribute_dict(scope.attributes)))
            for metric in scope_metrics.metrics:
                _read_metric(metric, len(out.scopes) - 1, out)
    return out


def _read_metric(metric, scope: int, out: RequestColumns) -> None:
    kind = metric.WhichOneof("data")
    if kind is None:
        out.outcome.reject(f"metric {metric.name!r} has no data")
        return
    data = getattr(metric, kind)
    columns = out.kinds.get(kind)
    if columns is None:
        columns = out.kinds[kind] = KindColumns(kind)
    first = len(columns.time)
    too_late = _read_points(data.data_points, columns, out.attribute_sets)
    end = len(columns.time)
    columns.metric.extend([len(out.metrics)] * (end - first))
    out.metrics.append(Metric(scope, metric.name, metric.description, metric.unit, kind,
                              getattr(data, "aggregation_temporality", 0), getattr(data, "is_monotonic", False),
                              first, end))
    for _ in too_late:
        out.outcome.reject(f"metric {metric.name!r}: a time is beyond the year 2262")
    columns.rejected.extend(too_late)
    out.outcome.accepted += end - first - len(too_late)
