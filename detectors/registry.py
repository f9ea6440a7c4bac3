"""Every detector by the name rules use (`detector: cost_anomaly`).

Adding one is one new module with a `Detector` and one line here; nothing else looks detectors up by
name.
"""

from __future__ import annotations

from typing import Any

from detectors import (
    budget,
    burn_rate,
    change_regression,
    cost_anomaly,
    drift,
    gpu_idle,
    gpu_load,
    latency,
    no_data,
    quality,
    unpriced,
)
from detectors.base import Detector, UnknownDetector

DETECTORS: dict[str, Detector[Any]] = {d.name: d for d in (
    cost_anomaly.DETECTOR, latency.LATENCY, latency.TTFT, burn_rate.DETECTOR, budget.DETECTOR, gpu_idle.DETECTOR,
    gpu_load.SATURATED, gpu_load.MEMORY_LOW, drift.DETECTOR, quality.DETECTOR, unpriced.DETECTOR, no_data.DETECTOR,
    change_regression.DETECTOR)}


def get(name: str) -> Detector[Any]:
    """The detector called `name`; an unknown name is an error that lists the known ones."""
    try:
        return DETECTORS[name]
    except KeyError:
        raise UnknownDetector(f"unknown detector {name!r}; known: {', '.join(sorted(DETECTORS))}") from None
