"""GPU normalisation: the mapping rules (pure), and real SDK exports landing in gpu_samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum

from collector.normalise import dcgm
from collector.normalise.gpu import AGENT_SCOPE, SOURCE_AGENT, Point, from_otlp, is_dcgm_blank, pivot, to_arrow
from tests.helpers.otel_clients import meter_provider

T = 1_763_700_000_000_000_000
GPU_A, GPU_B = "GPU-aaaaaaaa-0000-0000-0000-000000000001", "GPU-bbbbbbbb-0000-0000-0000-000000000002"
NODE7 = (Path(__file__).parents[1] / "data" / "dcgm_node7_mig_k8s.txt").read_text()


def _p(name: str, value: float, source: str = "otlp", time_ns: int = T, **attrs: str) -> Point:
    return Point(name, value, time_ns, {"host.name": "node-1", "hw.id": GPU_A, **attrs}, source)


def test_points_of_one_gpu_and_time_pivot_into_one_row_and_absent_fields_are_null():
    [row] = pivot([_p("hw.gpu.utilization", 0.5), _p("hw.power", 250.0, **{"hw.type": "gpu"}),
                   _p("hw.gpu.memory.usage", 1024.0)])
    assert (row["utilization"], row["power_watts"], row["memory_used_bytes"]) == (0.5, 250.0, 1024.0)
    assert "memory_total_bytes" not in row and to_arrow([row]).to_pylist()[0]["memory_total_bytes"] is None


def test_another_time_or_gpu_is_another_row():
    rows = pivot([_p("hw.gpu.utilization", 0.5), _p("hw.gpu.utilization", 0.6, time_ns=T + 1),
                  _p("hw.gpu.utilization", 0.7, **{"hw.id": GPU_B})])
    assert sorted(r["utilization"] for r in rows) == [0.5, 0.6, 0.7]


def test_encoder_and_decoder_utilisation_are_not_gpu_utilisation():
    rows = pivot([_p("hw.gpu.utilization", 0.9, **{"hw.gpu.task": "encoder"}),
                  _p("hw.gpu.utilization", 0.8, **{"hw.gpu.task": "decoder"})])
    assert rows == []
    [row] = pivot([_p("hw.gpu.utilization", 0.9, **{"hw.gpu.task": "encoder"}),
                   _p("hw.gpu.utilization", 0.3, **{"hw.gpu.task": "general"})])
    assert row["utilization"] == 0.3


def test_generic_hardware_metrics_count_only_for_gpus():
    assert pivot([_p("hw.power", 90.0, **{"hw.type": "cpu"}), _p("hw.temperature", 50.0),
                  _p("hw.energy", 5.0, **{"hw.type": "psu"})]) == []
    [row] = pivot([_p("hw.errors", 3, **{"hw.type": "gpu", "error.type": "corrected"}),
                   _p("hw.errors", 1, **{"hw.type": "gpu", "error.type": "uncorrected"}),
                   _p("hw.temperature", 61.0, **{"hw.type": "gpu"})])
    assert (row["errors_corrected"], row["errors_uncorrected"], row["temperature_c"]) == (3, 1, 61.0)


def test_a_point_without_gpu_identity_is_not_a_sample():
    assert pivot([Point("hw.gpu.utilization", 0.5, T, {"host.name": "n"}, "otlp")]) == []


def test_dcgm_blanks_are_dropped_and_real_values_are_not():
    for blank in (2147483632, 2147483634, 140737488355328.0, 140737488355331.0, 9223372036854775794,
                  float("nan"), float("inf")):
        assert is_dcgm_blank(blank), blank
    for real in (0.0, 87.0, 2147483631, 123456789012, 140737488355327.0):
        assert not is_dcgm_blank(real), real
    assert pivot([_p("DCGM_FI_DEV_GPU_TEMP", 9223372036854775794, source="dcgm")]) == []


def test_gpu_util_beats_gr_engine_active_in_either_order():
    for order in (1, -1):
        points = [_p("DCGM_FI_PROF_GR_ENGINE_ACTIVE", 0.81, source="dcgm"),
                  _p("DCGM_FI_DEV_GPU_UTIL", 87, source="dcgm")][::order]
        assert pivot(points)[0]["utilization"] == pytest.approx(0.87)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_sdk_hw_gpu_metrics_for_two_gpus_land_in_gpu_samples(protocol, service):
    provider = meter_provider(protocol, service, {"host.name": "node-1", "spyglass.project": "research"})
    meter = provider.get_meter("hw")
    utilization = meter.create_gauge("hw.gpu.utilization", unit="1")
    usage = meter.create_up_down_counter("hw.gpu.memory.usage", unit="By")
    limit = meter.create_up_down_counter("hw.gpu.memory.limit", unit="By")
    power = meter.create_gauge("hw.power", unit="W")
    energy = meter.create_counter("hw.energy", unit="J")
    temperature = meter.create_gauge("hw.temperature", unit="Cel")
    for gpu, busy, used, watts, joules, celsius in ((GPU_A, 0.75, 40 << 30, 301.5, 9000, 66),
                                                    (GPU_B, 0.05, 1 << 30, 61.25, 1200, 38)):
        ident = {"hw.id": gpu, "hw.model": "NVIDIA H100 80GB HBM3", "hw.vendor": "NVIDIA"}
        utilization.set(busy, {**ident, "hw.gpu.task": "general"})
        utilization.set(0.99, {**ident, "hw.gpu.task": "decoder"})
        usage.add(used, ident)
        limit.add(80 << 30, ident)
        power.set(watts, {**ident, "hw.type": "gpu"})
        energy.add(joules, {**ident, "hw.type": "gpu"})
        temperature.set(celsius, {**ident, "hw.type": "gpu"})
    provider.shutdown()
    rows = service.rows(
        "SELECT project, host_name, gpu_uuid, gpu_model, gpu_vendor, utilization, memory_used_bytes, "
        "memory_total_bytes, power_watts, energy_joules, temperature_c, sm_active, source "
        "FROM gpu_samples ORDER BY gpu_uuid")
    common = {"project": "research", "host_name": "node-1", "gpu_model": "NVIDIA H100 80GB HBM3",
              "gpu_vendor": "NVIDIA", "memory_total_bytes": 80 << 30, "sm_active": None, "source": "otlp"}
    assert rows == [
        {**common, "gpu_uuid": GPU_A, "utilization": 0.75, "memory_used_bytes": 40 << 30, "power_watts": 301.5,
         "energy_joules": 9000.0, "temperature_c": 66.0},
        {**common, "gpu_uuid": GPU_B, "utilization": 0.05, "memory_used_bytes": 1 << 30, "power_watts": 61.25,
         "energy_joules": 1200.0, "temperature_c": 38.0},
    ]
    assert service.count("otel_metrics_gauge") == 8 and service.count("otel_metrics_sum") == 6  # raw points kept


def test_the_agent_scope_marks_agent_rows(service):
    provider = meter_provider("http", service, {"host.name": "node-2"})
    provider.get_meter(AGENT_SCOPE).create_gauge("hw.gpu.utilization").set(0.5, {"hw.id": GPU_A})
    provider.shutdown()
    assert service.rows("SELECT source, utilization FROM gpu_samples") == [{"source": SOURCE_AGENT,
                                                                             "utilization": 0.5}]


_COLUMNS = ("host_name, gpu_uuid, gpu_index, mig_profile, mig_instance, gpu_model, utilization, memory_used_bytes, "
            "memory_total_bytes, power_watts, energy_joules, temperature_c, sm_active, k8s_namespace, k8s_pod, "
            "k8s_container, source")


def test_dcgm_names_over_otlp_give_the_same_rows_as_a_scrape(service):
    """As a Collector's Prometheus receiver forwards a dcgm-exporter scrape: labels become attributes,
    values are doubles. (The Python SDK lower-cases instrument names; the receiver keeps the case.)"""
    provider = meter_provider("grpc", service, {"service.instance.id": "gpu-node-7:9400"})
    meter = provider.get_meter("otelcol/prometheusreceiver")
    instruments: dict = {}
    for sample in dcgm.parse(NODE7):
        if sample.name == "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION":
            counter = instruments.setdefault(sample.name, meter.create_counter(sample.name))
            counter.add(sample.value, sample.labels)
        else:
            gauge = instruments.setdefault(sample.name, meter.create_gauge(sample.name))
            gauge.set(sample.value, sample.labels)
    provider.shutdown()
    names = _COLUMNS.split(", ")
    over_otlp = service.rows(f"SELECT {_COLUMNS} FROM gpu_samples ORDER BY gpu_uuid, mig_instance")
    scraped = sorted(dcgm.rows(NODE7, T, default_host="x").select(names).to_pylist(),
                     key=lambda r: (r["gpu_uuid"], r["mig_instance"]))
    assert len(over_otlp) == 4 and all(r["source"] == "dcgm" for r in over_otlp)
    for got, want in zip(over_otlp, scraped, strict=True):
        assert got.keys() == want.keys()
        for name in names:
            assert got[name] == (pytest.approx(want[name]) if isinstance(want[name], float) else want[name]), name


def test_preferred_view_reads_one_source_per_gpu(store):
    """DCGM beats the agent beats foreign hw.gpu.* emitters, per GPU, within the window."""
    rows = pivot([_p("hw.gpu.utilization", 0.9),                                   # otlp, GPU A
                  _p("DCGM_FI_DEV_GPU_UTIL", 40, source="dcgm"),                   # dcgm, GPU A
                  _p("hw.gpu.utilization", 0.5, source=SOURCE_AGENT),              # agent, GPU A
                  _p("hw.gpu.utilization", 0.2, source=SOURCE_AGENT, **{"hw.id": GPU_B}),
                  _p("hw.gpu.utilization", 0.3, **{"hw.id": GPU_B})])
    store.insert_arrow("gpu_samples", to_arrow(rows))
    window = {"start": "2025-11-21 00:00:00", "end": "2025-11-22 00:00:00"}
    got = store.query_arrow("SELECT gpu_uuid, source, utilization FROM gpu_samples_preferred("
                            "start={start:String}, end={end:String}) ORDER BY gpu_uuid", window).to_pylist()
    assert got == [{"gpu_uuid": GPU_A, "source": "dcgm", "utilization": 0.4},
                   {"gpu_uuid": GPU_B, "source": "agent", "utilization": 0.2}]


def _request(temporality: int, time_ns: int = T, *extra: tuple[str, str]) -> ExportMetricsServiceRequest:
    attrs = [KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in
             (("hw.id", GPU_A), ("hw.type", "gpu"), ("host.name", "n"), *extra)]
    metric = Metric(name="hw.energy", unit="J", sum=Sum(aggregation_temporality=temporality, is_monotonic=True,
                    data_points=[NumberDataPoint(time_unix_nano=time_ns, as_int=70, attributes=attrs)]))
    return ExportMetricsServiceRequest(resource_metrics=[ResourceMetrics(scope_metrics=[ScopeMetrics(
        metrics=[metric])])])


def test_delta_sums_are_not_readings_but_cumulative_ones_are():
    assert from_otlp(_request(temporality=1), None) is None                     # DELTA
    assert from_otlp(_request(temporality=2), "p").to_pylist()[0]["energy_joules"] == 70.0  # CUMULATIVE
    assert from_otlp(_request(temporality=2), "p").to_pylist()[0]["project"] == "p"  # the ingest key's project
    assert from_otlp(_request(temporality=2, time_ns=0), None) is None          # no time, no sample


def test_a_point_cannot_name_another_project_than_its_ingest_key():
    claims_other = _request(2, T, ("spyglass.project", "other-team"))
    assert from_otlp(claims_other, "p").to_pylist()[0]["project"] == "p"
    assert from_otlp(claims_other, None).to_pylist()[0]["project"] == "other-team"  # no keys: the sender says
