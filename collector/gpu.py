"""GPU telemetry from any source → `gpu_samples` rows in one set of units.

Sources: OTel hardware conventions (`hw.gpu.*`, `hw.power`, `hw.energy`, `hw.temperature`,
`hw.errors` with `hw.type=gpu`), DCGM exporter names (`DCGM_FI_*`, and the 1.x lower-case
names) whether they arrive over OTLP (a Collector's Prometheus receiver turns labels into
data point attributes) or from a scrape of `dcgm-exporter` text (collector/dcgm.py). Both
paths go through the same `MAPPING` and the same `pivot`, so a DCGM field means the same
thing however it came.

Why a pivot: OTLP carries each metric as its own data points, but a sample row has every
field of one GPU at one time. `pivot` groups the points of one request (or one scrape) by
(project, host, GPU uuid, GPU index, MIG instance, timestamp, source) and fills one row per
group; a field no point supplied stays NULL. Grouping is on the exact timestamp: the
OpenTelemetry SDKs stamp every instrument of one collection with the same time, and a scrape
has one time, so a sender that stamps metrics separately gets several partial rows of the
same GPU, which readers that aggregate by time bucket still combine correctly.

Rules worth knowing:
- `hw.gpu.utilization` counts only for `hw.gpu.task` "general" (or absent): encoder and
  decoder utilisation are not "the GPU is busy".
- `hw.power`, `hw.energy`, `hw.temperature`, `hw.errors` are generic hardware metrics: only
  points with `hw.type=gpu` are GPU samples.
- Sums with delta temporality are skipped (a delta energy is not a reading; the collector
  is stateless and cannot accumulate it). The raw points still reach otel_metrics_sum.
- DCGM "blank" sentinels (not found / not supported / not permissioned) are dropped, as are
  NaN and infinities.
- Within one sample, `DCGM_FI_DEV_GPU_UTIL` wins over `DCGM_FI_PROF_GR_ENGINE_ACTIVE` for
  `utilization`; the latter fills it when the former is absent (MIG instances, where DCGM
  reports only profiling fields per instance).
- A point with neither a GPU uuid nor an index is not a GPU sample and is skipped.
- Source precedence between dcgm, agent and otlp is a query-time rule: see
  store/migrations/m0003_gpu_samples.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyarrow as pa
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest

from collector.attributes import attribute_dict
from collector.signal import MAX_UNIX_NANO, resource_attributes

SOURCE_OTLP = "otlp"      # any hw.gpu.* emitter
SOURCE_AGENT = "agent"    # `spyglass gpu-agent` (its meter's scope name is AGENT_SCOPE)
SOURCE_DCGM = "dcgm"      # DCGM names, scraped or forwarded over OTLP
AGENT_SCOPE = "spyglass.gpu_agent"

_MIB = float(1 << 20)
_Attrs = Mapping[str, str]


def _always(_: _Attrs) -> bool:
    return True


def _is_gpu(attrs: _Attrs) -> bool:
    return attrs.get("hw.type") == "gpu"


def _general_task(attrs: _Attrs) -> bool:
    return attrs.get("hw.gpu.task", "general") == "general"


def _error_type(kind: str) -> Callable[[_Attrs], bool]:
    return lambda attrs: _is_gpu(attrs) and attrs.get("error.type") == kind


@dataclass(frozen=True)
class Field:
    """How one metric fills one column: value × scale, when `when(attributes)` holds.

    `priority`: lower wins when two metrics fill the same column of one sample.
    Columns starting with `_` are intermediate parts combined by `_finish`.
    """

    column: str
    scale: float = 1.0
    when: Callable[[_Attrs], bool] = _always
    priority: int = 0


def _dcgm(column: str, scale: float = 1.0, priority: int = 0) -> tuple[Field, ...]:
    return (Field(column, scale, priority=priority),)


MAPPING: dict[str, tuple[Field, ...]] = {
    # OpenTelemetry hardware semantic conventions (already in SI units / fractions).
    "hw.gpu.utilization": (Field("utilization", when=_general_task),),
    "hw.gpu.memory.usage": (Field("memory_used_bytes"),),
    "hw.gpu.memory.limit": (Field("memory_total_bytes"),),
    "hw.power": (Field("power_watts", when=_is_gpu),),
    "hw.energy": (Field("energy_joules", when=_is_gpu),),
    "hw.temperature": (Field("temperature_c", when=_is_gpu),),
    "hw.errors": (Field("errors_corrected", when=_error_type("corrected")),
                  Field("errors_uncorrected", when=_error_type("uncorrected"))),
    # DCGM exporter (percent, MiB, mJ converted here).
    "DCGM_FI_DEV_GPU_UTIL": _dcgm("utilization", 0.01),
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": _dcgm("utilization", priority=1),
    "DCGM_FI_PROF_SM_ACTIVE": _dcgm("sm_active"),
    "DCGM_FI_DEV_FB_USED": _dcgm("_fb_used_mib"),
    "DCGM_FI_DEV_FB_FREE": _dcgm("_fb_free_mib"),
    "DCGM_FI_DEV_FB_RESERVED": _dcgm("_fb_reserved_mib"),
    "DCGM_FI_DEV_POWER_USAGE": _dcgm("power_watts"),
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": _dcgm("energy_joules", 0.001),
    "DCGM_FI_DEV_GPU_TEMP": _dcgm("temperature_c"),
    "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL": _dcgm("errors_corrected"),
    "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL": _dcgm("errors_uncorrected"),
    # dcgm-exporter 1.x compatibility names.
    "dcgm_gpu_utilization": _dcgm("utilization", 0.01),
    "dcgm_fb_used": _dcgm("_fb_used_mib"),
    "dcgm_fb_free": _dcgm("_fb_free_mib"),
    "dcgm_power_usage": _dcgm("power_watts"),
    "dcgm_gpu_temp": _dcgm("temperature_c"),
}

# DCGM blank values (dcgm_structs.h): INT32/FP64 BLANK, NOT_FOUND, NOT_SUPPORTED,
# NOT_PERMISSIONED are BLANK+0..3; every INT64 blank is ≥ 0x7ffffffffffffff0 ≈ 9.22e18.
_INT32_BLANK = 0x7FFFFFF0
_FP64_BLANK = 140737488355328.0
_INT64_BLANK_FLOOR = 9.2e18


def is_dcgm_blank(value: float) -> bool:
    """True for DCGM's "no value" sentinels (and NaN/inf, which are no reading either)."""
    if math.isnan(value) or math.isinf(value) or value >= _INT64_BLANK_FLOOR:
        return True
    return _INT32_BLANK <= value <= _INT32_BLANK + 3 or _FP64_BLANK <= value <= _FP64_BLANK + 3


# OTel instrument names are case-insensitive (the Python SDK lower-cases them), so DCGM names
# may arrive as `dcgm_fi_dev_gpu_util`: look names up case-insensitively.
_LOOKUP = {name.lower(): fields for name, fields in MAPPING.items()}


def fields(name: str) -> tuple[Field, ...]:
    """The fields a metric name can fill (empty when it is no GPU field)."""
    found = MAPPING.get(name)
    return found if found is not None else _LOOKUP.get(name.lower(), ())


def wanted(name: str) -> bool:
    """Is this metric name a GPU field (a cheap filter before any per-point work)?"""
    return bool(fields(name))


@dataclass(frozen=True)
class Point:
    """One GPU metric reading, source-neutral: attributes hold resource and point labels merged."""

    name: str
    value: float
    time_ns: int
    attributes: _Attrs
    source: str


def _first(attrs: _Attrs, *keys: str) -> str:
    for key in keys:
        value = attrs.get(key)
        if value:
            return value
    return ""


def _index(attrs: _Attrs) -> int | None:
    text = _first(attrs, "gpu", "hw.gpu.index")
    try:
        return int(text)
    except ValueError:
        return None


def _identity(point: Point, default_host: str) -> tuple | None:
    attrs = point.attributes
    uuid, index = _first(attrs, "hw.id", "UUID", "uuid"), _index(attrs)
    if not uuid and index is None:
        return None
    host = _first(attrs, "Hostname", "hostname", "host.name") or default_host
    return (attrs.get("spyglass.project") or "default", host, uuid, index,
            _first(attrs, "GPU_I_ID"), point.time_ns, point.source)


def _describe(attrs: _Attrs, source: str) -> dict:
    """The descriptive columns of a sample, from the first point of its group."""
    return {
        "gpu_model": _first(attrs, "hw.model", "modelName", "model_name"),
        "gpu_vendor": _first(attrs, "hw.vendor") or ("NVIDIA" if source == SOURCE_DCGM else ""),
        "mig_profile": _first(attrs, "GPU_I_PROFILE"),
        "k8s_namespace": _first(attrs, "namespace", "pod_namespace", "k8s.namespace.name"),
        "k8s_pod": _first(attrs, "pod", "pod_name", "k8s.pod.name"),
        "k8s_container": _first(attrs, "container", "container_name", "k8s.container.name"),
    }


def _finish(values: dict[str, float]) -> dict[str, float]:
    """Combine intermediate parts: DCGM framebuffer MiB → used and total bytes."""
    used = values.pop("_fb_used_mib", None)
    free = values.pop("_fb_free_mib", None)
    reserved = values.pop("_fb_reserved_mib", None)
    if used is not None:
        values.setdefault("memory_used_bytes", used * _MIB)
        if free is not None:
            values.setdefault("memory_total_bytes", (used + free + (reserved or 0.0)) * _MIB)
    return values


def pivot(points: Iterable[Point], default_host: str = "") -> list[dict]:
    """Points → one row per (project, host, GPU, MIG instance, time, source); absent fields None."""
    groups: dict[tuple, tuple[dict, dict[str, float], dict[str, int]]] = {}
    for point in points:
        field = next((f for f in fields(point.name) if f.when(point.attributes)), None)
        if field is None or (point.source == SOURCE_DCGM and is_dcgm_blank(point.value)):
            continue
        if math.isnan(point.value) or math.isinf(point.value):
            continue
        key = _identity(point, default_host)
        if key is None:
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = (_describe(point.attributes, point.source), {}, {})
        _, values, priorities = group
        if priorities.get(field.column, math.inf) > field.priority:
            values[field.column] = point.value * field.scale
            priorities[field.column] = field.priority
    rows = []
    for (project, host, uuid, index, mig_instance, time_ns, source), (described, values, _) in groups.items():
        rows.append({"timestamp": time_ns, "project": project, "host_name": host, "gpu_uuid": uuid,
                     "gpu_index": index, "mig_instance": mig_instance, "source": source, **described,
                     **_finish(values)})
    return rows


_F64, _U64, _STR = pa.float64(), pa.uint64(), pa.string()
SCHEMA = pa.schema([
    ("timestamp", pa.timestamp("ns")), ("project", _STR), ("host_name", _STR), ("gpu_uuid", _STR),
    ("gpu_index", pa.int32()), ("gpu_model", _STR), ("gpu_vendor", _STR), ("mig_profile", _STR),
    ("mig_instance", _STR), ("utilization", _F64), ("memory_used_bytes", _U64), ("memory_total_bytes", _U64),
    ("power_watts", _F64), ("energy_joules", _F64), ("temperature_c", _F64), ("sm_active", _F64),
    ("errors_corrected", _U64), ("errors_uncorrected", _U64), ("k8s_namespace", _STR), ("k8s_pod", _STR),
    ("k8s_container", _STR), ("source", _STR),
])


def _cell(value, kind: pa.DataType):
    if value is None or kind != _U64:
        return value
    return max(0, round(value))


def to_arrow(rows: list[dict]) -> pa.Table:
    """Rows from `pivot` → an Arrow table with the `gpu_samples` columns."""
    return pa.table({f.name: pa.array([_cell(row.get(f.name), f.type) for row in rows], f.type)
                     for f in SCHEMA})


_DELTA = 1  # AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA


def otlp_points(request: ExportMetricsServiceRequest, project: str | None) -> list[Point]:
    """The GPU points of one OTLP metrics request (gauges and cumulative sums of mapped names)."""
    points: list[Point] = []
    for resource_metrics in request.resource_metrics:
        resource: dict[str, str] | None = None
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data")
                if not wanted(metric.name) or kind not in ("gauge", "sum"):
                    continue
                data = getattr(metric, kind)
                if kind == "sum" and data.aggregation_temporality == _DELTA:
                    continue
                if resource is None:
                    resource = resource_attributes(resource_metrics.resource, project)
                source = (SOURCE_DCGM if not metric.name.startswith("hw.") else
                          SOURCE_AGENT if scope_metrics.scope.name == AGENT_SCOPE else SOURCE_OTLP)
                for point in data.data_points:
                    if not 0 < point.time_unix_nano <= MAX_UNIX_NANO:
                        continue
                    value = point.as_double if point.WhichOneof("value") == "as_double" else float(point.as_int)
                    points.append(Point(metric.name, value, point.time_unix_nano,
                                        {**resource, **attribute_dict(point.attributes)}, source))
    return points


def from_otlp(request: ExportMetricsServiceRequest, project: str | None) -> pa.Table | None:
    """`gpu_samples` rows of one OTLP request, or None when it carries no GPU metric."""
    rows = pivot(otlp_points(request, project))
    return to_arrow(rows) if rows else None
