"""GET /api/v1/gpu/fleet, /timeseries and /waste over a real store, through the running service.

The fleet below is two hours of samples every 30 s, inserted into gpu_samples as the collector
writes them. GPU A is reported by the agent and, at the same times, by a foreign OTLP emitter
that claims it is idle: the preferred-source view must count the agent only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from collector.normalise.gpu import to_arrow
from spyglass.timerange import rfc3339

GIB = 1 << 30
A, B, C = "GPU-a", "GPU-b", "GPU-c"
NOW = datetime.now(timezone.utc)
BASE = datetime.fromtimestamp(int(NOW.timestamp()) // 1800 * 1800, timezone.utc) - timedelta(hours=2)
SAMPLES = 240  # 2 h at 30 s


def _util_a(k: int) -> float:
    return 0.9 if k % 10 == 0 else 0.5      # 10 % of samples at 0.9: the p95 is 0.9


def _util_b(k: int) -> float | None:
    minute = k // 2
    if 80 <= minute < 85:
        return None                          # no sample: unknown, which ends an idle stretch
    return 0.9 if 45 <= minute < 75 else 0.02


def _util_c(k: int) -> float:
    return 0.05 if k // 2 < 20 else 0.5


def _rows() -> list[dict]:
    rows = []
    for k in range(SAMPLES):
        ns = int((BASE + timedelta(seconds=30 * k)).timestamp()) * 1_000_000_000
        common = {"timestamp": ns, "project": "research", "mig_instance": "", "gpu_vendor": "NVIDIA"}
        h100 = {**common, "host_name": "node-1", "gpu_model": "H100", "memory_total_bytes": 80 * GIB}
        rows.append({**h100, "gpu_uuid": A, "gpu_index": 0, "source": "agent", "utilization": _util_a(k),
                     "memory_used_bytes": (40 if k % 2 else 50) * GIB, "power_watts": 300.0})
        rows.append({**h100, "gpu_uuid": A, "gpu_index": 0, "source": "otlp", "utilization": 0.01,
                     "memory_used_bytes": 1 * GIB, "power_watts": 60.0})
        if (util := _util_b(k)) is not None:
            rows.append({**h100, "gpu_uuid": B, "gpu_index": 1, "source": "agent", "utilization": util,
                         "memory_used_bytes": 2 * GIB, "power_watts": 100.0})
        rows.append({**common, "host_name": "node-2", "gpu_model": "L4", "gpu_uuid": C, "gpu_index": 0,
                     "source": "dcgm", "utilization": _util_c(k), "memory_used_bytes": 4 * GIB,
                     "memory_total_bytes": 24 * GIB, "power_watts": 50.0})
    return rows


@pytest.fixture
def api(service_factory) -> str:
    service = service_factory(gpu={"idle_min_seconds": 1200})  # 20 minutes instead of the default 30
    service.store.insert_arrow("gpu_samples", to_arrow(_rows()))
    return f"{service.api}/api/v1/gpu"


def _at(minutes: float) -> str:
    return rfc3339(BASE + timedelta(minutes=minutes))


def _ns(minutes: float) -> str:
    """As the API writes times: nine fraction digits."""
    return _at(minutes).replace("Z", ".000000000Z")


def _get(url: str, **params) -> dict:
    response = httpx.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_fleet_reads_one_source_per_gpu_and_summarises_the_window(api):
    body = _get(f"{api}/fleet", since="6h")
    by_uuid = {g["gpu_uuid"]: g for g in body["gpus"]}
    assert [g["gpu_uuid"] for g in body["gpus"]] == [A, B, C]          # by host, then index
    a = by_uuid[A]
    assert (a["source"], a["samples"], a["gpu_model"], a["gpu_index"]) == ("agent", SAMPLES, "H100", 0)
    assert a["utilization_mean"] == pytest.approx(0.54)               # 0.9 × 10 % + 0.5 × 90 %; not the OTLP 0.01
    assert a["utilization_p95"] == pytest.approx(0.9)
    assert a["memory_used_mean_bytes"] == pytest.approx(45 * GIB)
    assert a["memory_used_max_bytes"] == 50 * GIB and a["memory_total_bytes"] == 80 * GIB
    assert a["memory_headroom_bytes"] == 30 * GIB
    assert a["power_mean_watts"] == pytest.approx(300.0)
    assert a["last_seen"] == _ns((SAMPLES - 1) / 2)
    assert by_uuid[B]["samples"] == SAMPLES - 10 and by_uuid[C]["source"] == "dcgm"


def test_fleet_windows_are_whole_minutes_read_from_the_hour_and_minute_rollups(api):
    """[BASE+30 s, BASE+119 min 45 s) reads [BASE, BASE+120 min): whole hours, then minutes at the ends."""
    [a] = _get(f"{api}/fleet", since=_at(0.5), until=_at(119.75), gpu=A)["gpus"]
    assert a["samples"] == SAMPLES
    assert a["utilization_mean"] == pytest.approx(sum(_util_a(k) for k in range(SAMPLES)) / SAMPLES)
    assert a["last_seen"] == _ns((SAMPLES - 1) / 2)
    [a] = _get(f"{api}/fleet", since=_at(0.25), until=_at(0.75), gpu=A)["gpus"]   # inside one minute
    assert (a["samples"], a["utilization_mean"]) == (2, pytest.approx((_util_a(0) + _util_a(1)) / 2))
    [a] = _get(f"{api}/fleet", since=_at(29), until=_at(91), gpu=A)["gpus"]       # an hour where one fits, minutes around it
    assert a["samples"] == 62 * 2 and a["utilization_p95"] == pytest.approx(0.9)


def test_fleet_filters_by_host_model_and_gpu(api):
    assert [g["gpu_uuid"] for g in _get(f"{api}/fleet", host="node-2")["gpus"]] == [C]
    assert [g["gpu_uuid"] for g in _get(f"{api}/fleet", gpu_model="H100")["gpus"]] == [A, B]
    assert [g["gpu_uuid"] for g in _get(f"{api}/fleet", gpu=B)["gpus"]] == [B]
    assert _get(f"{api}/fleet", project="other")["gpus"] == []
    # A window that ends before the data starts sees nothing.
    assert _get(f"{api}/fleet", since=_at(-60), until=_at(-1))["gpus"] == []


def test_timeseries_per_gpu_and_per_host(api):
    window = {"since": _at(0), "until": _at(120), "step": 1800}
    per_gpu = _get(f"{api}/timeseries", **window)
    assert per_gpu["step_seconds"] == 1800 and per_gpu["by"] == "gpu"
    assert len(per_gpu["points"]) == 4 * 3                             # four half hours × three GPUs
    first_b = next(p for p in per_gpu["points"] if p["gpu_uuid"] == B)
    assert first_b["bucket"] == _ns(0) and first_b["utilization"] == pytest.approx(0.02)
    per_host = _get(f"{api}/timeseries", by="host", **window)
    assert len(per_host["points"]) == 4 * 2
    for host in per_host["points"]:
        gpus = [p for p in per_gpu["points"] if p["bucket"] == host["bucket"] and p["host_name"] == host["host_name"]]
        assert host["gpus"] == len(gpus)
        assert host["utilization"] == pytest.approx(sum(p["utilization"] for p in gpus) / len(gpus))
        assert host["memory_used_bytes"] == pytest.approx(sum(p["memory_used_bytes"] for p in gpus))
        assert host["power_watts"] == pytest.approx(sum(p["power_watts"] for p in gpus))


def test_timeseries_picks_a_readable_step_of_whole_minutes_when_none_is_given(api):
    assert _get(f"{api}/timeseries", since="24h")["step_seconds"] == 900
    assert _get(f"{api}/timeseries", since="15m")["step_seconds"] == 60


def test_waste_lists_idle_stretches_with_the_configured_thresholds(api):
    body = _get(f"{api}/waste", since="6h")
    assert (body["max_utilization"], body["min_idle_seconds"], body["resolution_seconds"]) == (0.1, 1200, 60)
    b, c = body["gpus"]                                                # A is not idle: its OTLP "idle" twin is ignored
    assert (b["gpu_uuid"], b["host_name"], b["gpu_index"], b["idle_seconds"]) == (B, "node-1", 1, 4800)
    assert [(s["start"], s["end"], s["duration_seconds"]) for s in b["stretches"]] == [
        (_ns(0), _ns(45), 2700),
        (_ns(85), _ns(120), 2100)]                                     # the 5 unknown minutes split the second one
    assert b["stretches"][0]["utilization_mean"] == pytest.approx(0.02)
    assert b["stretches"][0]["samples"] == 90
    assert (c["gpu_uuid"], c["idle_seconds"], c["stretches"][0]["utilization_mean"]) == (C, 1200, pytest.approx(0.05))


def test_waste_thresholds_can_be_overridden_per_request(api):
    assert [g["gpu_uuid"] for g in _get(f"{api}/waste", since="6h", min_idle_seconds=1800)["gpus"]] == [B]
    shorter = _get(f"{api}/waste", since="6h", min_idle_seconds=300)
    assert {g["gpu_uuid"]: g["idle_seconds"] for g in shorter["gpus"]} == {B: 2700 + 300 + 2100, C: 1200}
    assert [len(g["stretches"]) for g in shorter["gpus"]] == [3, 1]
    stricter = _get(f"{api}/waste", since="6h", max_utilization=0.04)
    assert [g["gpu_uuid"] for g in stricter["gpus"]] == [B]
    # A stretch is cut at the window's edge.
    cut = _get(f"{api}/waste", since=_at(10), until=_at(50), min_idle_seconds=600)
    assert [(s["start"], s["end"]) for s in cut["gpus"][0]["stretches"]] == [(_ns(10), _ns(45))]


BAD = [
    ("waste", {"max_utilization": "0"}, "max_utilization"),
    ("waste", {"max_utilization": "1.5"}, "max_utilization"),
    ("waste", {"max_utilization": "nan"}, "max_utilization"),
    ("waste", {"max_utilization": "ten"}, "max_utilization"),
    ("waste", {"min_idle_seconds": "10"}, "min_idle_seconds"),
    ("waste", {"min_idle_seconds": "30m"}, "min_idle_seconds"),
    ("timeseries", {"by": "rack"}, "by: must be one of gpu, host"),
    ("timeseries", {"step": "0"}, "step"),
    ("timeseries", {"step": "90"}, "not a multiple of 60"),
    ("fleet", {"since": "1h", "until": "2h"}, "must be before"),
    ("fleet", {"since": "yesterday"}, "since"),
]


def test_bad_parameters_are_a_400_with_a_message(api):
    for path, params, message in BAD:
        response = httpx.get(f"{api}/{path}", params=params, timeout=30)
        assert response.status_code == 400 and message in response.json()["error"], (params, response.text)


def test_waste_settings_are_validated_at_load():
    from spyglass.config import load
    from store.errors import ConfigError

    assert load(gpu={"idle_max_utilization": 0.05, "idle_min_seconds": 600}).gpu.idle_min_seconds == 600
    for bad in ({"idle_max_utilization": 0}, {"idle_max_utilization": 10}, {"idle_min_seconds": 30}):
        with pytest.raises(ConfigError, match="gpu.idle_"):
            load(gpu=bad)
