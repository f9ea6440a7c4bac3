"""OTLP metrics → the five `otel_metrics_*` tables, exactly as the ClickHouse exporter writes them.

One row per data point. Integer points are stored as Float64 like the exporter does.

Built column-wise from the request read once (collector/decode/metric_columns.py): the columns that
are the same for every point of a metric (names, unit, scope, temporality) and the resource
and scope maps are built once per metric or scope and expanded to the points by Arrow
`take`, and the point attribute maps once per distinct attribute set. No Python object is
made per row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from collector.decode import metric_columns
from collector.decode.attributes import MAP_TYPE, MapColumn, as_string, hex_id
from collector.decode.metric_columns import KindColumns, Metric, RequestColumns, Scope
from collector.decode.signal import MAX_UNIX_NANO, Decoded
from collector.normalise import gpu

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
_COMMON: tuple[tuple[str, Callable[[Scope, Metric], Any]], ...] = (
    ("ResourceSchemaUrl", lambda scope, _: scope.resource_schema_url),
    ("ScopeName", lambda scope, _: scope.name),
    ("ScopeVersion", lambda scope, _: scope.version),
    ("ScopeDroppedAttrCount", lambda scope, _: scope.dropped_attributes_count),
    ("ScopeSchemaUrl", lambda scope, _: scope.schema_url),
    ("ServiceName", lambda scope, _: scope.resource.get("service.name", "")),
    ("MetricName", lambda _, metric: metric.name),
    ("MetricDescription", lambda _, metric: metric.description),
    ("MetricUnit", lambda _, metric: metric.unit),
)
_TEMPORALITY = ("AggregationTemporality", lambda _, metric: metric.temporality)
_MONOTONIC = ("IsMonotonic", lambda _, metric: metric.monotonic)
# Columns of one kind that are the same for every point of a metric.
_KIND_COMMON = {"sum": (_TEMPORALITY, _MONOTONIC), "histogram": (_TEMPORALITY,),
                "exponential_histogram": (_TEMPORALITY,)}
_PER_METRIC = (*_COMMON, _TEMPORALITY, _MONOTONIC)
_EXEMPLARS = ("Exemplars.FilteredAttributes", "Exemplars.TimeUnix", "Exemplars.Value", "Exemplars.SpanId",
              "Exemplars.TraceId")


def _exemplar_lists(exemplars) -> tuple[list, ...]:
    return ([[(kv.key, as_string(kv.value)) for kv in e.filtered_attributes] for e in exemplars],
            [e.time_unix_nano for e in exemplars],
            [e.as_double if e.WhichOneof("value") == "as_double" else float(e.as_int) for e in exemplars],
            [hex_id(e.span_id) for e in exemplars],
            [hex_id(e.trace_id) for e in exemplars])


def _exemplar_columns(columns: KindColumns) -> dict[str, pa.Array]:
    """The five Exemplars.* list columns; nearly always all empty, which costs no per-row work."""
    rows = len(columns.time)
    if not columns.exemplars:
        offsets = pa.array([0] * (rows + 1), pa.int32())
        return {name: pa.ListArray.from_arrays(offsets, pa.array([], _TYPES[name].value_type))
                for name in _EXEMPLARS}
    refused = set(columns.rejected)  # their times cannot be stored; the rows are filtered out anyway
    empty: tuple[list, ...] = ([],) * len(_EXEMPLARS)
    lists = [_exemplar_lists(columns.exemplars[row]) if row in columns.exemplars and row not in refused else empty
             for row in range(rows)]
    return {name: pa.array([row[i] for row in lists], _TYPES[name]) for i, name in enumerate(_EXEMPLARS)}


def _times(values: list[int], refused: list[int]) -> pa.Array:
    if refused:  # a refused row may hold a time Arrow cannot represent; the row is filtered out
        values = [t if t <= MAX_UNIX_NANO else 0 for t in values]
    return pa.array(values, _TS)


def _per_metric(request: RequestColumns) -> dict[str, pa.Array]:
    """One array per column that is the same for every point of a metric: one item per metric."""
    scopes, metrics = request.scopes, request.metrics
    return {name: pa.array([get(scopes[m.scope], m) for m in metrics], _TYPES.get(name, pa.string()))
            for name, get in _PER_METRIC}


def _table(kind: KindColumns, per_metric: dict[str, pa.Array], scopes: pa.Array,
           maps: dict[str, pa.Array]) -> pa.Table:
    rows = pa.array(kind.metric, pa.int32())
    scope_of_row = scopes.take(rows)
    table = {"ResourceAttributes": maps["resource"].take(scope_of_row),
             "ScopeAttributes": maps["scope"].take(scope_of_row),
             "Attributes": maps["point"].take(pa.array(kind.attributes, pa.int32()))}
    for name, _ in _COMMON:
        table[name] = per_metric[name].take(rows)
    table["StartTimeUnix"] = _times(kind.start_time, kind.rejected)
    table["TimeUnix"] = _times(kind.time, kind.rejected)
    table["Flags"] = pa.array(kind.flags, pa.uint32())
    for name, values in kind.values.items():
        table[name] = pa.array(values, _TYPES[name])
    if kind.kind != "summary":
        table.update(_exemplar_columns(kind))
    for name, _ in _KIND_COMMON.get(kind.kind, ()):
        table[name] = per_metric[name].take(rows)
    built = pa.table(table)
    if kind.rejected:
        refused = set(kind.rejected)
        built = built.filter(pa.array([row not in refused for row in range(built.num_rows)]))
    return built


def tables(request: RequestColumns) -> dict[str, pa.Table]:
    """The request's points as `otel_metrics_<kind>` tables (only kinds that have points)."""
    if not request.kinds:
        return {}
    per_metric = _per_metric(request)
    scopes = pa.array([m.scope for m in request.metrics], pa.int32())
    resources, scope_maps = MapColumn(), MapColumn()
    for scope in request.scopes:
        resources.append_dict(scope.resource)
        scope_maps.append_dict(scope.attributes)
    maps = {"resource": resources.to_arrow(), "scope": scope_maps.to_arrow(),
            "point": request.attribute_sets.to_arrow()}
    return {f"otel_metrics_{kind}": _table(columns, per_metric, scopes, maps)
            for kind, columns in request.kinds.items()}


def decode(request: ExportMetricsServiceRequest, project: str | None) -> Decoded:
    columns = metric_columns.read(request, project)
    out = columns.outcome
    out.tables = tables(columns)
    gpu_samples = gpu.from_columns(columns)  # the raw points above are kept as well
    if gpu_samples is not None:
        out.tables["gpu_samples"] = gpu_samples
    return out
