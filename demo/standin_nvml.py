"""STAND-IN for NVIDIA's `pynvml` (PyPI nvidia-ml-py): the demo's simulated GPU node, and the tests (there is
no GPU on the machines that run them). It is not NVML and reads no hardware.

It mirrors the names, signatures, return types and units of the real module for the calls
`spyglass gpu-agent` makes, so the agent's code runs unchanged against it: the demo passes this module
to `gpu_agent.sample`, and a test that runs the agent's process shadows `pynvml` with it:

- `nvmlInit()`, `nvmlShutdown()`; every device call before init raises NVMLError_Uninitialized;
- `nvmlDeviceGetCount() -> int`, `nvmlDeviceGetHandleByIndex(i) -> c_nvmlDevice_t`;
- `nvmlDeviceGetName(h) -> str`, `nvmlDeviceGetUUID(h) -> str` (the real wrapper decodes bytes);
- `nvmlDeviceGetUtilizationRates(h) -> c_nvmlUtilization_t` (`.gpu`, `.memory`: percent, c_uint);
- `nvmlDeviceGetMemoryInfo(h) -> c_nvmlMemory_t` (`.total`, `.free`, `.used`: bytes);
- `nvmlDeviceGetPowerUsage(h) -> int` milliwatts; `nvmlDeviceGetTotalEnergyConsumption(h) -> int`
  millijoules; `nvmlDeviceGetTemperature(h, NVML_TEMPERATURE_GPU) -> int` °C;
- `NVMLError(value)` constructs the generated subclass for that code (`NVMLError(3)` is an
  `NVMLError_NotSupported`), with `.value`, generated exactly as the real module does.

The fake fleet is given by `set_gpus(gpus)` (the demo sets each sampling round's readings), or is a JSON
file named by SPYGLASS_FAKE_NVML (read at `nvmlInit`; the file wins):

    {"init_error": "LIBRARY_NOT_FOUND",            # optional: nvmlInit raises NVMLError(NVML_ERROR_...)
     "gpus": [{"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-...",
               "utilization": {"gpu": 87, "memory": 40},             # percent
               "memory": {"total": 85899345920, "used": 42949672960}, # bytes (free = total - used)
               "power_mw": 301500, "energy_mj": 9000000, "temperature_c": 66,
               "errors": {"nvmlDeviceGetPowerUsage": "NOT_SUPPORTED"}}]}   # call -> NVML_ERROR_ name

With neither, nvmlInit raises NVMLError_LibraryNotFound, as the real module does on a machine without
the NVIDIA driver.
"""

from __future__ import annotations

import json
import os
import string
import sys
from ctypes import Structure, c_uint, c_ulonglong
from typing import Any, NoReturn

NVML_TEMPERATURE_GPU = 0

NVML_SUCCESS = 0
NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_INVALID_ARGUMENT = 2
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_ALREADY_INITIALIZED = 5
NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_INSUFFICIENT_SIZE = 7
NVML_ERROR_INSUFFICIENT_POWER = 8
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_TIMEOUT = 10
NVML_ERROR_IRQ_ISSUE = 11
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_CORRUPTED_INFOROM = 14
NVML_ERROR_GPU_IS_LOST = 15
NVML_ERROR_RESET_REQUIRED = 16
NVML_ERROR_OPERATING_SYSTEM = 17
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_ERROR_IN_USE = 19
NVML_ERROR_MEMORY = 20
NVML_ERROR_NO_DATA = 21
NVML_ERROR_VGPU_ECC_NOT_SUPPORTED = 22
NVML_ERROR_INSUFFICIENT_RESOURCES = 23
NVML_ERROR_FREQ_NOT_SUPPORTED = 24
NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25
NVML_ERROR_DEPRECATED = 26
NVML_ERROR_NOT_READY = 27
NVML_ERROR_GPU_NOT_FOUND = 28
NVML_ERROR_INVALID_STATE = 29
NVML_ERROR_RESET_TYPE_NOT_SUPPORTED = 30
NVML_ERROR_UNKNOWN = 999

FLEET_ENV = "SPYGLASS_FAKE_NVML"


class NVMLError(Exception):
    """As in the real module: `NVMLError(code)` returns an instance of the subclass for `code`."""

    _valClassMapping: dict[int, type] = {}
    value: int

    def __new__(typ, value):
        if typ == NVMLError:
            typ = NVMLError._valClassMapping.get(value, typ)
        obj = Exception.__new__(typ)
        obj.value = value
        return obj

    def __str__(self):
        names = {v: k for k, v in vars(sys.modules[__name__]).items() if k.startswith("NVML_ERROR_")}
        return names.get(self.value, "NVML_ERROR_UNKNOWN").removeprefix("NVML_ERROR_").replace("_", " ").title()

    def __eq__(self, other):
        return self.value == other.value

    __hash__ = Exception.__hash__


def _extractNVMLErrorsAsClasses():
    """The real module's generator: NVML_ERROR_NOT_SUPPORTED -> class NVMLError_NotSupported."""
    this_module = sys.modules[__name__]
    for err_name in [x for x in dir(this_module) if x.startswith("NVML_ERROR_")]:
        class_name = "NVMLError_" + string.capwords(err_name.replace("NVML_ERROR_", ""), "_").replace("_", "")
        err_val = getattr(this_module, err_name)

        def gen_new(val):
            def new(typ, *args):
                return NVMLError.__new__(typ, val)
            return new
        new_error_class = type(class_name, (NVMLError,), {"__new__": gen_new(err_val)})
        new_error_class.__module__ = __name__
        setattr(this_module, class_name, new_error_class)
        NVMLError._valClassMapping[err_val] = new_error_class


_extractNVMLErrorsAsClasses()


class c_nvmlDevice_t:
    """The real handle is an opaque ctypes pointer; this one remembers the device index."""

    def __init__(self, index: int) -> None:
        self.index = index


class c_nvmlUtilization_t(Structure):
    _fields_ = [("gpu", c_uint), ("memory", c_uint)]


class c_nvmlMemory_t(Structure):
    _fields_ = [("total", c_ulonglong), ("free", c_ulonglong), ("used", c_ulonglong)]


_fleet: list[dict[str, Any]] | None = None
_given: list[dict[str, Any]] | None = None


def set_gpus(gpus: list[dict[str, Any]]) -> None:
    """The stand-in's own door (not in pynvml): the GPUs and readings NVML reports from now on."""
    global _fleet, _given
    _given = gpus
    if _fleet is not None:
        _fleet = gpus


def _raise(name: str) -> NoReturn:
    raise NVMLError(getattr(sys.modules[__name__], f"NVML_ERROR_{name}"))


def nvmlInit():
    global _fleet
    path = os.environ.get(FLEET_ENV)
    if not path and _given is None:
        _raise("LIBRARY_NOT_FOUND")
    if path:
        with open(path) as file:
            spec = json.load(file)
    else:
        spec = {"gpus": _given}
    if spec.get("init_error"):
        _raise(spec["init_error"])
    _fleet = spec.get("gpus", [])


def nvmlShutdown():
    global _fleet
    if _fleet is None:
        _raise("UNINITIALIZED")
    _fleet = None


def _gpus() -> list[dict]:
    if _fleet is None:
        _raise("UNINITIALIZED")
    return _fleet


def _gpu(handle: c_nvmlDevice_t, call: str) -> dict:
    gpu = _gpus()[handle.index]
    error = gpu.get("errors", {}).get(call)
    if error:
        _raise(error)
    return gpu


def nvmlDeviceGetCount():
    return len(_gpus())


def nvmlDeviceGetHandleByIndex(index):
    if not 0 <= index < len(_gpus()):
        _raise("INVALID_ARGUMENT")
    return c_nvmlDevice_t(index)


def nvmlDeviceGetName(handle):
    return _gpu(handle, "nvmlDeviceGetName")["name"]


def nvmlDeviceGetUUID(handle):
    return _gpu(handle, "nvmlDeviceGetUUID")["uuid"]


def nvmlDeviceGetUtilizationRates(handle):
    rates = _gpu(handle, "nvmlDeviceGetUtilizationRates")["utilization"]
    return c_nvmlUtilization_t(rates["gpu"], rates["memory"])


def nvmlDeviceGetMemoryInfo(handle, version=None):
    if version:
        _raise("ARGUMENT_VERSION_MISMATCH")  # the stand-in models only the v1 struct
    memory = _gpu(handle, "nvmlDeviceGetMemoryInfo")["memory"]
    return c_nvmlMemory_t(memory["total"], memory["total"] - memory["used"], memory["used"])


def nvmlDeviceGetPowerUsage(handle):
    return int(_gpu(handle, "nvmlDeviceGetPowerUsage")["power_mw"])


def nvmlDeviceGetTotalEnergyConsumption(handle):
    return int(_gpu(handle, "nvmlDeviceGetTotalEnergyConsumption")["energy_mj"])


def nvmlDeviceGetTemperature(handle, sensor):
    if sensor != NVML_TEMPERATURE_GPU:
        _raise("NOT_SUPPORTED")
    return int(_gpu(handle, "nvmlDeviceGetTemperature")["temperature_c"])
