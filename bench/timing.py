"""How the benchmarks time a read: one warm-up call (caches, connections, the store's marks loaded), then the median
of `runs` calls, in milliseconds. The median, not the mean: on a shared machine one slow call is noise."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3
