"""GPU telemetry from any source → `gpu_samples` rows in one set of units.

Sources: OTel hardware conventions (`hw.gpu.*`, `hw.power`, `hw.energy`, `hw.temperature`,
`hw.errors` with `hw.type=gpu`), DCGM exporter names (`DCGM_FI_*`, and the 1.x lower-case
names) whether they arrive over OTLP (a Collector's Prometheus receiver turns labels into
data point attributes) or from a scrape of `dcgm-exporter` text (collector/normalise/dcgm.py). Both
paths go through the same `MAPPING` and the same pivot (`_Samples`): `pivot` for a scrape's
points, `from_columns` for an OTLP request already read into columns by
collector/decode/metric_columns.py, so a DCGM field means the same thing however it came.

Why a pivot: OTLP carries each metric as its own data points, but a sample row has every
field of one GPU at one time. The pivot groups the points of one request (or one scrape) by
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

from collector.decode import metric_columns
from collector.decode.metric_columns import NUMBER_KINDS, Metric, RequestColumns, Scope
from collector.decode.signal import MAX_UNIX_NANO

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


def _gpu(attrs: _Attrs, default_host: str) -> tuple | None:
    """(project, host, uuid, index, MIG instance) of a GPU, or None when the attributes name no GPU."""
    uuid, index = _first(attrs, "hw.id", "UUID", "uuid"), _index(attrs)
    if not uuid and index is None:
        return None
    host = _first(attrs, "Hostname", "hostname", "host.name") or default_host
    return (attrs.get("spyglass.project") or "default", host, uuid, index, _first(attrs, "GPU_I_ID"))


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


def _field(candidates: tuple[Field, ...], attrs: _Attrs, source: str, value: float) -> Field | None:
    """The field a reading fills, or None when it fills none (condition unmet, DCGM blank, NaN, inf)."""
    field = next((f for f in candidates if f.when(attrs)), None)
    if field is None or (source == SOURCE_DCGM and is_dcgm_blank(value)):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return field


class _Samples:
    """The pivot's state: one group per (project, host, GPU, MIG instance, time, source)."""

    def __init__(self) -> None:
        self._groups: dict[tuple, tuple[dict, dict[str, float], dict[str, int]]] = {}

    def add(self, key: tuple, attrs: _Attrs, field: Field, value: float) -> None:
        """One reading of the sample `key` (its last item is the source)."""
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = (_describe(attrs, key[-1]), {}, {})
        _, values, priorities = group
        if priorities.get(field.column, math.inf) > field.priority:
            values[field.column] = value * field.scale
            priorities[field.column] = field.priority

    def rows(self) -> list[dict]:
        rows = []
        for (project, host, uuid, index, mig_instance, time_ns, source), (described, values, _) in \
                self._groups.items():
            rows.append({"timestamp": time_ns, "project": project, "host_name": host, "gpu_uuid": uuid,
                         "gpu_index": index, "mig_instance": mig_instance, "source": source, **described,
                         **_finish(values)})
        return rows


def pivot(points: Iterable[Point], default_host: str = "") -> list[dict]:
    """Points → one row per (project, host, GPU, MIG instance, time, source); absent fields None."""
    samples = _Samples()
    for point in points:
        field = _field(fields(point.name), point.attributes, point.source, point.value)
        gpu = _gpu(point.attributes, default_host) if field is not None else None
        if gpu is not None and field is not None:
            samples.add((*gpu, point.time_ns, point.source), point.attributes, field, point.value)
    return samples.rows()


_F64, _U64, _STR = pa.float64(), pa.uint64(), pa.string()
SCHEMA = pa.schema([
    ("timestamp", pa.timestamp("ns")), ("project", _STR), ("host_name", _STR), ("gpu_uuid", _STR),
    ("gpu_index", pa.int32()), ("gpu_model", _STR), ("gpu_vendor", _STR), ("mig_profile", _STR),
    ("mig_instance", _STR), ("utilization", _F64), ("memory_used_bytes", _U64), ("memory_total_bytes", _U64),
    ("power_watts", _F64), ("energy_joules", _F64), ("temperature_c", _F64), ("sm_active", _F64),
    ("errors_corrected", _U64), ("errors_uncorrected", _U64), ("k8s_namespace", _STR), ("k8s_pod", _STR),
    ("k8s_container", _STR), ("source", _STR),
])


def _column(rows: list[dict], name: str, kind: pa.DataType) -> pa.Array:
    values = [row.get(name) for row in rows]
    if kind == _U64:  # counts and bytes: whole and never negative
        values = [None if value is None else max(0, round(value)) for value in values]
    return pa.array(values, kind)


def to_arrow(rows: list[dict]) -> pa.Table:
    """Rows from `pivot` → an Arrow table with the `gpu_samples` columns."""
    return pa.table({f.name: _column(rows, f.name, f.type) for f in SCHEMA})


_DELTA = 1  # AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA


def _source(metric: Metric, scope: Scope) -> str:
    if not metric.name.startswith("hw."):
        return SOURCE_DCGM
    return SOURCE_AGENT if scope.name == AGENT_SCOPE else SOURCE_OTLP


def _merge(resource: _Attrs, point: _Attrs) -> dict[str, str]:
    """A point's attributes over its resource's, except the project: the resource's (an ingest key's
    project is always there) beats a point's, so a sender cannot write another project's GPUs."""
    merged = {**resource, **point}
    if "spyglass.project" in resource:
        merged["spyglass.project"] = resource["spyglass.project"]
    return merged


def from_columns(request: RequestColumns) -> pa.Table | None:
    """`gpu_samples` rows from a request's columns (gauges and cumulative sums of mapped names), or None.

    A point's attributes merged over its resource's, and the GPU they name, are worked out
    once per (scope, attribute set) rather than per point: the same GPU's set repeats on
    every metric of the request.
    """
    samples = _Samples()
    gpus: dict[tuple[int, int], tuple[dict[str, str], tuple | None]] = {}
    sets = request.attribute_sets
    for metric in request.metrics:
        candidates = fields(metric.name)
        if not candidates or metric.kind not in NUMBER_KINDS or (metric.kind == "sum" and metric.temporality == _DELTA):
            continue
        scope = request.scopes[metric.scope]
        source = _source(metric, scope)
        columns = request.kinds[metric.kind]
        times, values, attributes = columns.time, columns.values["Value"], columns.attributes
        for row in range(metric.first, metric.end):
            time_ns = times[row]
            if not 0 < time_ns <= MAX_UNIX_NANO:
                continue
            known = gpus.get((metric.scope, attributes[row]))
            if known is None:
                merged = _merge(scope.resource, sets.as_dict(attributes[row]))
                known = gpus[metric.scope, attributes[row]] = (merged, _gpu(merged, ""))
            merged, gpu = known
            value = values[row]
            field = _field(candidates, merged, source, value) if gpu is not None else None
            if field is not None and gpu is not None:
                samples.add((*gpu, time_ns, source), merged, field, value)
    rows = samples.rows()
    return to_arrow(rows) if rows else None


def from_otlp(request: ExportMetricsServiceRequest, project: str | None) -> pa.Table | None:
    """`gpu_samples` rows of one OTLP request, or None when it carries no GPU metric."""
    return from_columns(metric_columns.read(request, project))
