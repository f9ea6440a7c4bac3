"""OTLP metrics → the five `otel_metrics_*` tables, exactly as the ClickHouse exporter writes them.

One row per data point. Integer points are stored as Float64 like the exporter does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from collector import gpu
from collector.attributes import MAP_TYPE, MapColumn, as_string, attribute_dict, hex_id
from collector.signal import MAX_UNIX_NANO, Decoded, resource_attributes

_TS = pa.timestamp("ns")
_F64 = pa.float64()

# Arrow types of the columns that are not plain strings.
_TYPES: dict[str, pa.DataType] = {
    "ScopeDroppedAttrCount": pa.uint32(), "StartTimeUnix": _TS, "TimeUnix": _TS, "Value": _F64,
    "Flags": pa.uint32(), "AggregationTemporality": pa.int32(), "IsMonotonic": pa.bool_(),
    "Count": pa.uint64(), "Sum": _F64, "Min": _F64, "Max": _F64, "Scale": pa.int32(), "ZeroCount": pa.uint64(),
    "PositiveOffset": pa.int32(), "NegativeOffset": pa.int32(),
    "BucketCounts": pa.list_(pa.uint64()), "ExplicitBounds": pa.list_(_F64),
    "PositiveBucketCounts": pa.list_(pa.uint64()), "NegativeBucketCounts": pa.list_(pa.uint64()),
    "ValueAtQuantiles.Quantile": pa.list_(_F64), "ValueAtQuantiles.Value": pa.list_(_F64),
    "Exemplars.FilteredAttributes": pa.list_(MAP_TYPE), "Exemplars.TimeUnix": pa.list_(_TS),
    "Exemplars.Value": pa.list_(_F64), "Exemplars.SpanId": pa.list_(pa.string()),
    "Exemplars.TraceId": pa.list_(pa.string()),
}
_COMMON = ("ResourceSchemaUrl", "ScopeName", "ScopeVersion", "ScopeDroppedAttrCount", "ScopeSchemaUrl",
           "ServiceName", "MetricName", "MetricDescription", "MetricUnit")


@dataclass
class _Rows:
    """The rows of one metric table being built."""

    columns: dict[str, list] = field(default_factory=dict)
    resources: MapColumn = field(default_factory=MapColumn)
    scopes: MapColumn = field(default_factory=MapColumn)
    attributes: MapColumn = field(default_factory=MapColumn)

    def add(self, common: dict, resource: dict, scope: dict, point, values: dict) -> None:
        self.resources.append_dict(resource)
        self.scopes.append_dict(scope)
        self.attributes.append(point.attributes)
        row = {**common, "StartTimeUnix": point.start_time_unix_nano, "TimeUnix": point.time_unix_nano,
               "Flags": point.flags, **values}
        for name, value in row.items():
            self.columns.setdefault(name, []).append(value)

    def to_arrow(self) -> pa.Table:
        table = {"ResourceAttributes": self.resources.to_arrow(), "ScopeAttributes": self.scopes.to_arrow(),
                 "Attributes": self.attributes.to_arrow()}
        for name, values in self.columns.items():
            table[name] = pa.array(values, _TYPES.get(name, pa.string()))
        return pa.table(table)


def _exemplars(point) -> dict:
    exemplars = point.exemplars
    return {
        "Exemplars.FilteredAttributes": [[(kv.key, as_string(kv.value)) for kv in e.filtered_attributes]
                                         for e in exemplars],
        "Exemplars.TimeUnix": [e.time_unix_nano for e in exemplars],
        "Exemplars.Value": [e.as_double if e.WhichOneof("value") == "as_double" else float(e.as_int)
                            for e in exemplars],
        "Exemplars.SpanId": [hex_id(e.span_id) for e in exemplars],
        "Exemplars.TraceId": [hex_id(e.trace_id) for e in exemplars],
    }


def _number(point) -> float:
    return point.as_double if point.WhichOneof("value") == "as_double" else float(point.as_int)


def _histogram(point) -> dict:
    return {"Count": point.count, "Sum": point.sum, "BucketCounts": list(point.bucket_counts),
            "ExplicitBounds": list(point.explicit_bounds), **_exemplars(point),
            "Min": point.min, "Max": point.max}


def _exponential(point) -> dict:
    return {"Count": point.count, "Sum": point.sum, "Scale": point.scale, "ZeroCount": point.zero_count,
            "PositiveOffset": point.positive.offset, "PositiveBucketCounts": list(point.positive.bucket_counts),
            "NegativeOffset": point.negative.offset, "NegativeBucketCounts": list(point.negative.bucket_counts),
            **_exemplars(point), "Min": point.min, "Max": point.max}


def _summary(point) -> dict:
    return {"Count": point.count, "Sum": point.sum,
            "ValueAtQuantiles.Quantile": [q.quantile for q in point.quantile_values],
            "ValueAtQuantiles.Value": [q.value for q in point.quantile_values]}


def _point_problem(point) -> str | None:
    times = [point.start_time_unix_nano, point.time_unix_nano]
    times += [e.time_unix_nano for e in getattr(point, "exemplars", ())]
    if max(times) > MAX_UNIX_NANO:
        return "a time is beyond the year 2262"
    return None


def decode(request: ExportMetricsServiceRequest, project: str | None) -> Decoded:
    out = Decoded()
    rows: dict[str, _Rows] = {}
    for resource_metrics in request.resource_metrics:
        resource = resource_attributes(resource_metrics.resource, project)
        for scope_metrics in resource_metrics.scope_metrics:
            scope = scope_metrics.scope
            scope_attributes = attribute_dict(scope.attributes)
            for metric in scope_metrics.metrics:
                common = dict(zip(_COMMON, (
                    resource_metrics.schema_url, scope.name, scope.version, scope.dropped_attributes_count,
                    scope_metrics.schema_url, resource.get("service.name", ""), metric.name, metric.description,
                    metric.unit)))
                kind = metric.WhichOneof("data")
                if kind is None:
                    out.reject(f"metric {metric.name!r} has no data")
                    continue
                data = getattr(metric, kind)
                target = rows.setdefault(kind, _Rows())
                for point in data.data_points:
                    problem = _point_problem(point)
                    if problem:
                        out.reject(f"metric {metric.name!r}: {problem}")
                        continue
                    if kind == "gauge":
                        values = {"Value": _number(point), **_exemplars(point)}
                    elif kind == "sum":
                        values = {"Value": _number(point), **_exemplars(point),
                                  "AggregationTemporality": data.aggregation_temporality,
                                  "IsMonotonic": data.is_monotonic}
                    elif kind == "histogram":
                        values = {**_histogram(point), "AggregationTemporality": data.aggregation_temporality}
                    elif kind == "exponential_histogram":
                        values = {**_exponential(point), "AggregationTemporality": data.aggregation_temporality}
                    else:
                        values = _summary(point)
                    target.add(common, resource, scope_attributes, point, values)
                    out.accepted += 1
    out.tables = {f"otel_metrics_{kind}": built.to_arrow() for kind, built in rows.items()}
    gpu_samples = gpu.from_otlp(request, project)  # the raw points above are kept as well
    if gpu_samples is not None:
        out.tables["gpu_samples"] = gpu_samples
    return out
