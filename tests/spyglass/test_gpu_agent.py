"""`spyglass gpu-agent`: NVML sampling in OTel units, and the real agent process exporting to a running service.

There is no GPU here, so NVML is the stand-in `demo/standin_nvml.py` (same names, types and
units as nvidia-ml-py; the agent's process imports it as `pynvml` through a one-line shim); everything after NVML is real: the agent's process, the OpenTelemetry SDK,
its OTLP exporters, the service, the store. The no-NVML test uses the real pynvml, whose nvmlInit
fails on this machine exactly as on any machine without the NVIDIA driver.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from spyglass import gpu_agent
from store.errors import BadInput
from tests.helpers.wait import eventually

ROOT = Path(__file__).resolve().parents[2]
SHIM = '''"""NVIDIA's pynvml shadowed by the stand-in, for the agent's process under test."""
import sys
from demo import standin_nvml
sys.modules["pynvml"] = standin_nvml
'''
H100, L4 = "GPU-11111111-aaaa-bbbb-cccc-000000000001", "GPU-22222222-aaaa-bbbb-cccc-000000000002"
FLEET = {"gpus": [
    {"name": "NVIDIA H100 80GB HBM3", "uuid": H100, "utilization": {"gpu": 87, "memory": 40},
     "memory": {"total": 85_520_809_984, "used": 42_949_672_960}, "power_mw": 301_500, "energy_mj": 9_000_000,
     "temperature_c": 66},
    # An L4 whose NVML reports neither power nor energy: only those readings go missing, only for it.
    {"name": "NVIDIA L4", "uuid": L4, "utilization": {"gpu": 3, "memory": 1},
     "memory": {"total": 24_152_899_584, "used": 1_073_741_824}, "power_mw": 0, "energy_mj": 0,
     "temperature_c": 38, "errors": {"nvmlDeviceGetPowerUsage": "NOT_SUPPORTED",
                                     "nvmlDeviceGetTotalEnergyConsumption": "NOT_SUPPORTED"}},
]}


@pytest.fixture
def standin(tmp_path, monkeypatch):
    """The stand-in pynvml under its own name (the real one stays importable), fresh, over FLEET."""
    def load(fleet: dict):
        path = tmp_path / "fleet.json"
        path.write_text(json.dumps(fleet))
        monkeypatch.setenv("SPYGLASS_FAKE_NVML", str(path))
        module = importlib.reload(importlib.import_module("demo.standin_nvml"))
        module.nvmlInit()
        return module
    return load


def test_the_standin_mirrors_the_real_modules_names_and_error_classes(standin):
    import pynvml as real

    fake = standin(FLEET)
    for name in ("nvmlInit", "nvmlShutdown", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetName",
                 "nvmlDeviceGetUUID", "nvmlDeviceGetUtilizationRates", "nvmlDeviceGetMemoryInfo",
                 "nvmlDeviceGetPowerUsage", "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetTemperature",
                 "NVML_TEMPERATURE_GPU", "NVMLError_NotSupported", "NVMLError_LibraryNotFound",
                 "NVMLError_DriverNotLoaded", "NVMLError_GpuIsLost", "NVMLError_Uninitialized"):
        assert hasattr(real, name) and hasattr(fake, name), name
    real_codes = {k: v for k, v in vars(real).items() if k.startswith("NVML_ERROR_")}
    assert real_codes == {k: v for k, v in vars(fake).items() if k.startswith("NVML_ERROR_")}
    error = fake.NVMLError(fake.NVML_ERROR_NOT_SUPPORTED)
    assert type(error) is fake.NVMLError_NotSupported and error.value == 3
    assert [f[0] for f in fake.c_nvmlMemory_t._fields_] == [f[0] for f in real.c_nvmlMemory_t._fields_]
    assert [f[0] for f in fake.c_nvmlUtilization_t._fields_] == [f[0] for f in real.c_nvmlUtilization_t._fields_]


def test_sampling_converts_nvml_units_and_skips_unsupported_readings_per_gpu(standin):
    h100, l4 = gpu_agent.sample(standin(FLEET))
    assert h100 == gpu_agent.Reading(index=0, uuid=H100, model="NVIDIA H100 80GB HBM3", utilization=0.87,
                                     memory_utilization=0.40, memory_used_bytes=42_949_672_960,
                                     memory_total_bytes=85_520_809_984, power_watts=301.5, energy_joules=9000.0,
                                     temperature_c=66.0)
    assert (l4.power_watts, l4.energy_joules) == (None, None)        # not supported: absent, not 0
    assert (l4.utilization, l4.temperature_c) == (0.03, 38.0)          # the rest of that GPU is still read


def test_a_gpu_with_another_nvml_error_is_skipped_and_the_others_are_read(standin):
    lost = {**FLEET["gpus"][0], "errors": {"nvmlDeviceGetUtilizationRates": "GPU_IS_LOST"}}
    readings = gpu_agent.sample(standin({"gpus": [lost, FLEET["gpus"][1]]}))
    assert [r.uuid for r in readings] == [L4]


def test_observations_carry_the_gpu_identity_and_only_present_readings():
    readings = [gpu_agent.Reading(0, H100, "H100", power_watts=300.0), gpu_agent.Reading(1, L4, "L4")]
    [point] = gpu_agent.observations(readings, "power_watts", {"hw.type": "gpu"})
    assert point.value == 300.0
    assert point.attributes == {"hw.id": H100, "hw.gpu.index": "0", "hw.model": "H100", "hw.vendor": "NVIDIA",
                                "hw.type": "gpu"}


def test_headers_and_endpoints_are_checked():
    assert gpu_agent.parse_headers(["Authorization=Bearer%20sk-1", "x-a=1,x-b=2"]) == {
        "Authorization": "Bearer sk-1", "x-a": "1", "x-b": "2"}
    with pytest.raises(BadInput, match="key=value"):
        gpu_agent.parse_headers(["Authorization"])
    with pytest.raises(BadInput, match="--endpoint"):
        gpu_agent.exporter("ftp://collector:4318", "http", {})
    with pytest.raises(BadInput, match="--protocol"):
        gpu_agent.exporter("http://collector:4318", "udp", {})


def _agent(args: list[str], env: dict[str, str], shim_dir: Path | None = None) -> subprocess.Popen:
    """The agent's process; with `shim_dir`, its `import pynvml` gets the stand-in."""
    path = []
    if shim_dir is not None:
        (shim_dir / "pynvml.py").write_text(SHIM)
        path = [str(shim_dir)]
    env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([*path, str(ROOT)])}
    return subprocess.Popen([sys.executable, "-m", "spyglass.cli", "gpu-agent", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)



_ROWS = ("SELECT project, host_name, gpu_uuid, gpu_index, gpu_model, gpu_vendor, utilization, memory_used_bytes, "
         "memory_total_bytes, power_watts, energy_joules, temperature_c, source FROM gpu_samples "
         "ORDER BY timestamp, gpu_uuid")


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_the_agent_process_exports_to_the_service_and_flushes_on_sigterm(protocol, service_factory, tmp_path):
    service = service_factory(ingest_keys={"sk-ingest-gpu": "research"})
    (tmp_path / "fleet.json").write_text(json.dumps(FLEET))
    endpoint = service.otlp_http if protocol == "http" else f"http://{service.otlp_grpc}"
    agent = _agent(["--endpoint", endpoint, "--protocol", protocol, "--interval", "60",
                    "--headers", "Authorization=Bearer%20sk-ingest-gpu"],
                   {"SPYGLASS_FAKE_NVML": str(tmp_path / "fleet.json")}, tmp_path)
    try:
        eventually(lambda: len(service.rows(_ROWS)) == 2)         # the first round, sent at start
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(20) == 0, agent.stderr.read()
    finally:
        agent.kill()
    rows = service.rows(_ROWS)
    assert len(rows) == 4, "the final flush on SIGTERM sent a second round"
    common = {"project": "research", "host_name": socket.gethostname(), "gpu_vendor": "NVIDIA", "source": "agent"}
    assert rows[:2] == [
        {**common, "gpu_uuid": H100, "gpu_index": 0, "gpu_model": "NVIDIA H100 80GB HBM3", "utilization": 0.87,
         "memory_used_bytes": 42_949_672_960, "memory_total_bytes": 85_520_809_984, "power_watts": 301.5,
         "energy_joules": 9000.0, "temperature_c": 66.0},
        {**common, "gpu_uuid": L4, "gpu_index": 1, "gpu_model": "NVIDIA L4", "utilization": 0.03,
         "memory_used_bytes": 1_073_741_824, "memory_total_bytes": 24_152_899_584, "power_watts": None,
         "energy_joules": None, "temperature_c": 38.0},
    ]
    assert len({r["gpu_uuid"] for r in rows[2:]}) == 2


def test_without_nvml_the_agent_says_so_in_one_line_and_exits_2(tmp_path):
    """The real pynvml: nvmlInit raises NVMLError_LibraryNotFound on this GPU-less machine."""
    agent = _agent(["--endpoint", "http://127.0.0.1:4318"], {})
    out, err = agent.communicate(timeout=60)
    assert agent.returncode == 2
    assert err.strip().count("\n") == 0 and "NVML is not available" in err and "Traceback" not in err, err
    assert "NVML Shared Library Not Found" in err


def test_a_driver_that_is_not_loaded_is_the_same_clear_exit(tmp_path):
    (tmp_path / "fleet.json").write_text(json.dumps({"init_error": "DRIVER_NOT_LOADED"}))
    agent = _agent(["--endpoint", "http://127.0.0.1:4318"], {"SPYGLASS_FAKE_NVML": str(tmp_path / "fleet.json")},
                   tmp_path)
    _, err = agent.communicate(timeout=60)
    assert agent.returncode == 2 and err.strip().count("\n") == 0 and "Driver Not Loaded" in err, err
