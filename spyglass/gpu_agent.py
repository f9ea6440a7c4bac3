"""`spyglass gpu-agent`: sample every GPU through NVML and export OTel `hw.gpu.*` metrics.

For GPU nodes that run neither dcgm-exporter nor another hw.gpu.* emitter. Three parts:

- `sample(nvml)` turns the pynvml API into `Reading`s in OTel units (utilisation 0-1, bytes,
  watts, joules, °C). NVML power is milliwatts and energy millijoules, so both are scaled
  here, once. A reading NVML reports as NVML_ERROR_NOT_SUPPORTED (many SKUs lack energy or
  memory utilisation) is left out for that GPU only; any other error on one GPU drops that
  GPU from this round (logged) and the agent keeps sampling the others.
- `meter_provider(...)` exports the latest readings with the OpenTelemetry SDK: observable
  instruments named per the hardware conventions, meter scope `collector.normalise.gpu.AGENT_SCOPE`
  (the collector marks these rows `source=agent`), resource `host.name`, the real OTLP
  exporter (HTTP or gRPC), cumulative temporality (the collector skips delta sums).
- `run(...)` drives it: sample, export, wait `interval`; SIGTERM/SIGINT take one last
  sample, flush it, and return. The agent samples and collects in one loop rather than
  letting the SDK's reader keep its own timer (its shutdown collects nothing without that
  timer), so each export carries one NVML pass and every instrument of it has the same
  timestamp (one `gpu_samples` row per GPU per round).

No NVML (pynvml missing, or nvmlInit failing because the driver or library is absent) is
`HardwareUnavailable`: the CLI prints one line and exits 2.
"""

from __future__ import annotations

import importlib
import logging
import math
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import unquote, urlsplit

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import (
    Counter,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from collector.normalise.gpu import AGENT_SCOPE
from store.errors import BadInput, HardwareUnavailable

log = logging.getLogger(__name__)
PROTOCOLS = ("http", "grpc")


@dataclass(frozen=True)
class Reading:
    """One GPU at one sampling round, in OTel units; None = NVML does not support it on this GPU."""

    index: int
    uuid: str
    model: str
    utilization: float | None = None         # 0-1, time a kernel ran
    memory_utilization: float | None = None  # 0-1, time device memory was read or written
    memory_used_bytes: int | None = None
    memory_total_bytes: int | None = None
    power_watts: float | None = None
    energy_joules: float | None = None
    temperature_c: float | None = None


def open_nvml() -> ModuleType:
    """Import pynvml and initialise NVML, or raise HardwareUnavailable saying why not."""
    try:
        nvml = importlib.import_module("pynvml")
    except ImportError as exc:
        raise HardwareUnavailable(f"gpu-agent needs NVIDIA's pynvml (pip install nvidia-ml-py): {exc}") from exc
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as exc:
        raise HardwareUnavailable(f"NVML is not available on this machine ({exc}): gpu-agent runs on a node "
                                  "with an NVIDIA GPU and its driver loaded") from exc
    return nvml


def sample(nvml: ModuleType) -> list[Reading]:
    """One NVML pass over every GPU: readings in OTel units, unsupported ones left out."""
    readings = []
    for index in range(nvml.nvmlDeviceGetCount()):
        try:
            readings.append(_read_gpu(nvml, index))
        except nvml.NVMLError as exc:
            log.warning("gpu-agent: GPU %d skipped this round: NVML error %s (%s)", index, exc.value, exc)
    return readings


def _read_gpu(nvml: ModuleType, index: int) -> Reading:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)

    def supported(call: Callable, *args):
        try:
            return call(handle, *args)
        except nvml.NVMLError as exc:
            if exc.value == nvml.NVML_ERROR_NOT_SUPPORTED:
                return None
            raise

    rates = supported(nvml.nvmlDeviceGetUtilizationRates)
    memory = supported(nvml.nvmlDeviceGetMemoryInfo)
    power_mw = supported(nvml.nvmlDeviceGetPowerUsage)
    energy_mj = supported(nvml.nvmlDeviceGetTotalEnergyConsumption)
    temperature = supported(nvml.nvmlDeviceGetTemperature, nvml.NVML_TEMPERATURE_GPU)
    return Reading(
        index=index, uuid=nvml.nvmlDeviceGetUUID(handle), model=nvml.nvmlDeviceGetName(handle),
        utilization=rates.gpu / 100 if rates is not None else None,
        memory_utilization=rates.memory / 100 if rates is not None else None,
        memory_used_bytes=memory.used if memory is not None else None,
        memory_total_bytes=memory.total if memory is not None else None,
        power_watts=power_mw / 1000 if power_mw is not None else None,
        energy_joules=energy_mj / 1000 if energy_mj is not None else None,
        temperature_c=float(temperature) if temperature is not None else None)


# (instrument name, kind, unit, Reading field, extra attributes) per the OTel hardware conventions.
INSTRUMENTS: tuple[tuple[str, type, str, str, dict[str, str]], ...] = (
    ("hw.gpu.utilization", ObservableGauge, "1", "utilization", {"hw.gpu.task": "general"}),
    ("hw.gpu.memory.utilization", ObservableGauge, "1", "memory_utilization", {}),
    ("hw.gpu.memory.usage", ObservableUpDownCounter, "By", "memory_used_bytes", {}),
    ("hw.gpu.memory.limit", ObservableUpDownCounter, "By", "memory_total_bytes", {}),
    ("hw.power", ObservableGauge, "W", "power_watts", {"hw.type": "gpu"}),
    ("hw.energy", ObservableCounter, "J", "energy_joules", {"hw.type": "gpu"}),
    ("hw.temperature", ObservableGauge, "Cel", "temperature_c", {"hw.type": "gpu"}),
)
_CREATE: dict[type, str] = {ObservableGauge: "create_observable_gauge", ObservableUpDownCounter: "create_observable_up_down_counter",
           ObservableCounter: "create_observable_counter"}
# The collector reads cumulative sums only; pin it so OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE cannot flip it.
_CUMULATIVE: dict[type, AggregationTemporality] = {kind: AggregationTemporality.CUMULATIVE
               for kind in (Counter, UpDownCounter, ObservableCounter, ObservableUpDownCounter)}


def observations(readings: Iterable[Reading], field: str, extra: dict[str, str]) -> list[Observation]:
    """One instrument's data points: the GPUs that have this reading, identified by hw.id."""
    return [Observation(value, {"hw.id": r.uuid, "hw.gpu.index": str(r.index), "hw.model": r.model,
                                "hw.vendor": "NVIDIA", **extra})
            for r in readings if (value := getattr(r, field)) is not None]


def parse_headers(values: Iterable[str]) -> dict[str, str]:
    """`k=v` (repeatable, or comma-separated as in OTEL_EXPORTER_OTLP_HEADERS; values URL-decoded)."""
    headers = {}
    for value in values:
        for part in value.split(","):
            key, sep, text = part.partition("=")
            if not sep or not key.strip():
                raise BadInput(f"--headers: {part!r} is not key=value (e.g. Authorization=Bearer%20sk-ingest-abc)")
            headers[key.strip()] = unquote(text.strip())
    return headers


def exporter(endpoint: str, protocol: str, headers: dict[str, str]):
    """The real OTLP metric exporter: HTTP to `<endpoint>/v1/metrics`, or gRPC to host:port."""
    parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise BadInput(f"--endpoint: {endpoint!r} is not a collector URL such as http://collector:4318")
    if protocol == "http":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as Http

        path = parts.path.rstrip("/")
        url = endpoint.rstrip("/") if path.endswith("/v1/metrics") else f"{endpoint.rstrip('/')}/v1/metrics"
        return Http(endpoint=url, headers=headers, timeout=10, preferred_temporality=_CUMULATIVE)
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as Grpc

        return Grpc(endpoint=parts.netloc, insecure=parts.scheme == "http", timeout=10,
                    headers={key.lower(): value for key, value in headers.items()},
                    preferred_temporality=_CUMULATIVE)
    raise BadInput(f"--protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}")


def meter_provider(metric_exporter, latest: Callable[[], list[Reading]], host_name: str,
                   project: str | None = None) -> MeterProvider:
    """A MeterProvider whose observable hw.* instruments report `latest()`; collected only on flush."""
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=math.inf)
    attributes = {"host.name": host_name, "service.name": "spyglass-gpu-agent"}
    if project:
        attributes["spyglass.project"] = project
    provider = MeterProvider(metric_readers=[reader], resource=Resource.create(attributes))
    meter = provider.get_meter(AGENT_SCOPE)
    for name, kind, unit, field, extra in INSTRUMENTS:
        def callback(_: CallbackOptions, field=field, extra=extra) -> Iterator[Observation]:
            yield from observations(latest(), field, extra)
        getattr(meter, _CREATE[kind])(name, callbacks=[callback], unit=unit)
    return provider


def run(endpoint: str, interval: float = 5.0, protocol: str = "http", headers: dict[str, str] | None = None,
        project: str | None = None, stop: threading.Event | None = None) -> None:
    """Sample and export every `interval` seconds until `stop` is set (SIGTERM/SIGINT set it)."""
    if not interval > 0:
        raise BadInput(f"--interval: must be a positive number of seconds, not {interval}")
    metric_exporter = exporter(endpoint, protocol, headers or {})
    nvml = open_nvml()
    stop = stop or _stop_on_signals()
    try:
        if nvml.nvmlDeviceGetCount() == 0:
            raise HardwareUnavailable("NVML sees no GPU on this machine: nothing to sample")
        latest: list[Reading] = []
        provider = meter_provider(metric_exporter, lambda: latest, socket.gethostname(), project)
        log.info("gpu-agent: exporting to %s (%s) every %ss", endpoint, protocol, interval)
        try:
            while True:
                final = stop.is_set()  # a round that starts after the signal is the final flush
                latest = sample(nvml)
                provider.force_flush()
                if final:
                    break
                stop.wait(interval)  # returns at once when the signal came during the round
        finally:
            provider.shutdown()
    finally:
        nvml.nvmlShutdown()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
