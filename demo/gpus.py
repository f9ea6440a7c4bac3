"""What the self-hosted host's GPUs report, from the load the fleet puts on them.

Pure: the readings of one sampling round are a function of the host's calls in the round's interval
(and the seed, for a little noise), in the shape the stand-in NVML takes (`demo/standin_nvml.py`:
percent, bytes, milliwatts, millijoules, °C). vLLM shards the model over both GPUs (tensor parallel),
so both are busy for every call; it reserves most of the memory at start (`gpu_memory_utilization`), so
memory stays high whether or not it serves. Energy is a counter: the caller carries it from round to round.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from demo import fleet
from demo.spans import TracePlan

MEMORY_TOTAL = 85_520_809_984
MEMORY_RESERVED = 0.9            # vLLM's gpu_memory_utilization
IDLE_WATTS, MAX_WATTS = 70.0, 700.0
HALF_LOAD_CONCURRENCY = 0.04     # mean concurrent requests at which the GPUs are half busy (small host, big batches)


def host_busy_seconds(traces: Iterable[TracePlan], host: str = fleet.GPU_HOST) -> float:
    """Seconds of model calls the host served in `traces` (calls whose `server.address` is the host)."""
    return sum((s.end_ns - s.start_ns) / 1e9 for t in traces for s in t.spans
               if s.attributes.get("server.address") == host)


def utilisation(busy_seconds: float, interval_seconds: float) -> float:
    """Share of the interval a kernel ran (0-1): saturates with the mean concurrency, above a small floor."""
    concurrency = busy_seconds / interval_seconds
    return 0.03 + 0.95 * concurrency / (concurrency + HALF_LOAD_CONCURRENCY)


HOSTS = (fleet.GPU_HOST, fleet.DCGM_HOST, fleet.IDLE_HOST)


def readings(seed: int, at_ns: int, busy_seconds: float, interval_seconds: float,
             energy_mj: list[int], host: str = fleet.GPU_HOST) -> list[dict[str, Any]]:
    """Each GPU of `host` at `at_ns`, with its energy counter so far (millijoules, one per GPU)."""
    number = HOSTS.index(host)
    rng = random.Random(f"{seed}:gpu:{at_ns}" if number == 0 else f"{seed}:gpu:{host}:{at_ns}")
    level = utilisation(busy_seconds, interval_seconds)
    gpus = []
    for index in range(fleet.GPU_COUNT):
        util = min(1.0, max(0.02, level + rng.gauss(0.0, 0.02)))  # the driver and vLLM keep a GPU a little busy
        used = int(MEMORY_TOTAL * (MEMORY_RESERVED - 0.02 + 0.03 * util))
        gpus.append({
            "name": fleet.GPU_MODEL, "uuid": f"GPU-{seed % 10**8:08d}-demo-{number:04d}-0000-{index:012d}",
            "utilization": {"gpu": round(util * 100), "memory": round(util * 60)},
            "memory": {"total": MEMORY_TOTAL, "used": used},
            "power_mw": int((IDLE_WATTS + (MAX_WATTS - IDLE_WATTS) * util) * 1000),
            "energy_mj": energy_mj[index], "temperature_c": int(34 + 42 * util)})
    return gpus
