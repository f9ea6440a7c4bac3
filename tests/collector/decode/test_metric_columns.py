"""The column-wise metric decode: what is shared per metric, scope or attribute set lands on the right rows."""

from __future__ import annotations

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import (
    Exemplar,
    Gauge,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from collector.decode import metrics
from store.base import query_rows

T = 1_763_700_000_000_000_000
BEYOND_2262 = 2**63


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _point(value: float, gpu: str, **extra) -> NumberDataPoint:
    return NumberDataPoint(time_unix_nano=T, as_double=value, attributes=[_kv("hw.id", gpu)], **extra)


def _resource(host: str, scope: str, metrics_: list[Metric]) -> ResourceMetrics:
    return ResourceMetrics(resource=Resource(attributes=[_kv("service.name", host), _kv("host.name", host)]),
                           scope_metrics=[ScopeMetrics(scope=InstrumentationScope(name=scope), metrics=metrics_)])


def _stored(store, decoded, sql: str) -> list[dict]:
    for table, rows in decoded.tables.items():
        store.insert_arrow(table, rows)
    return query_rows(store, sql)


def test_each_point_gets_its_own_metric_scope_resource_and_attributes(store):
    request = ExportMetricsServiceRequest(resource_metrics=[
        _resource("node-1", "s1", [Metric(name="hw.gpu.utilization", gauge=Gauge(data_points=[
            _point(0.1, "GPU-A"), _point(0.2, "GPU-B")]))]),
        _resource("node-2", "s2", [
            Metric(name="hw.gpu.utilization", unit="1", gauge=Gauge(data_points=[_point(0.3, "GPU-C")])),
            Metric(name="hw.gpu.memory.usage", unit="By", sum=Sum(
                aggregation_temporality=2, data_points=[_point(5.0, "GPU-C"), _point(6.0, "GPU-A")]))])])
    decoded = metrics.decode(request, "p1")
    assert (decoded.accepted, decoded.rejected) == (5, 0)
    columns = ("ServiceName AS svc, ScopeName AS scope, MetricName AS name, MetricUnit AS unit, Value AS v, "
               "Attributes['hw.id'] AS gpu, ResourceAttributes['spyglass.project'] AS project")
    # ORDER BY after UNION ALL binds to the last SELECT only, hence the subquery.
    rows = _stored(store, decoded, f"SELECT * FROM (SELECT {columns}, 0 AS t FROM otel_metrics_gauge UNION ALL "
                                   f"SELECT {columns}, AggregationTemporality AS t FROM otel_metrics_sum) ORDER BY v")
    assert [(r["svc"], r["scope"], r["name"], r["unit"], r["v"], r["gpu"], r["project"], r["t"]) for r in rows] == [
        ("node-1", "s1", "hw.gpu.utilization", "", 0.1, "GPU-A", "p1", 0),
        ("node-1", "s1", "hw.gpu.utilization", "", 0.2, "GPU-B", "p1", 0),
        ("node-2", "s2", "hw.gpu.utilization", "1", 0.3, "GPU-C", "p1", 0),
        ("node-2", "s2", "hw.gpu.memory.usage", "By", 5.0, "GPU-C", "p1", 2),
        ("node-2", "s2", "hw.gpu.memory.usage", "By", 6.0, "GPU-A", "p1", 2)]
    samples = query_rows(store, "SELECT host_name, gpu_uuid, utilization, memory_used_bytes FROM gpu_samples "
                                "ORDER BY gpu_uuid, host_name")
    assert [tuple(r.values()) for r in samples] == [
        ("node-1", "GPU-A", 0.1, None), ("node-2", "GPU-A", None, 6), ("node-1", "GPU-B", 0.2, None),
        ("node-2", "GPU-C", 0.3, 5)]


def test_exemplars_and_a_refused_point_stay_on_their_own_rows(store):
    with_exemplar = _point(1.0, "GPU-A", exemplars=[Exemplar(time_unix_nano=T, as_double=9.5, span_id=b"\x01" * 8,
                                                             filtered_attributes=[_kv("user", "u1")])])
    late_start = _point(2.0, "GPU-B", start_time_unix_nano=BEYOND_2262)
    request = ExportMetricsServiceRequest(resource_metrics=[_resource("node-1", "s", [
        Metric(name="custom.load", gauge=Gauge(data_points=[_point(0.5, "GPU-Z"), with_exemplar, late_start,
                                                            _point(3.0, "GPU-C")]))])])
    decoded = metrics.decode(request, None)
    assert (decoded.accepted, decoded.rejected) == (3, 1)
    assert decoded.error_message == "metric 'custom.load': a time is beyond the year 2262"
    rows = _stored(store, decoded, "SELECT Value AS v, Attributes['hw.id'] AS gpu, `Exemplars.Value` AS ev, "
                                   "`Exemplars.SpanId` AS es, `Exemplars.FilteredAttributes` AS ea "
                                   "FROM otel_metrics_gauge ORDER BY v")
    assert [(r["v"], r["gpu"], r["ev"], r["es"], [dict(a) for a in r["ea"]]) for r in rows] == [
        (0.5, "GPU-Z", [], [], []), (1.0, "GPU-A", [9.5], ["01" * 8], [{"user": "u1"}]), (3.0, "GPU-C", [], [], [])]
