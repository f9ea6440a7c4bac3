"""Self-observability benchmark: what tracing and counting one OTLP request costs the ingest path.

    .venv/bin/python bench/self_observability.py [--requests 20000] [--rounds 5]

Every OTLP request passes through `collector.observe.RequestObserver.request` (the receivers' span and counts),
whatever the ratio. This times that wrapper alone, in one thread, per request, for: no tracer at all (the
counts only: what self-tracing "off" leaves), and the service's real ingest tracer (spyglass/self_traces.py) at
ratio 0, the default 0.01 and 1.0, with the real exporter behind it (spans encoded as OTLP and decoded by the
collector's decoder on the batch processor's thread; the writer's submit is a completed future, so the store's
insert is left out: self-spans ride in the group commits the requests make anyway). The rounds interleave the
variants and the best round of each counts. Results: docs/benchmarks.md section 16, which sets them against
the cost of one request end to end (section 1).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import Future
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.trace import Tracer  # noqa: E402

from collector.observe import RequestObserver  # noqa: E402
from spyglass.self_traces import SelfTracing  # noqa: E402


def _written(_tables) -> Future:
    done: Future = Future()
    done.set_result(None)
    return done


def _round(tracer: Tracer | None, requests: int, flush) -> float:
    """Seconds per request through the wrapper (and, with a tracer, until its spans are exported)."""
    observer = RequestObserver(MeterProvider().get_meter("bench"), tracer)
    started = time.perf_counter()
    for _ in range(requests):
        with observer.request("traces", "http") as request:
            request.bytes = 355_000
    flush()
    return (time.perf_counter() - started) / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tracings = {ratio: SelfTracing(_written, {"ingest": ratio, "api": 0.0, "jobs": 0.0}) for ratio in (0.0, 0.01, 1.0)}
    variants = {"counts only (no tracer)": (None, lambda: None),
                **{f"ingest_trace_ratio {ratio:g}": (t.tracer("ingest"), t.force_flush) for ratio, t in tracings.items()}}
    best = {name: float("inf") for name in variants}
    for _ in range(args.rounds):
        for name, (tracer, flush) in variants.items():
            best[name] = min(best[name], _round(tracer, args.requests, flush))
    print(f"{args.requests} requests per round, best of {args.rounds} rounds")
    print(f"{'variant':<28} {'µs per request':>15}")
    for name, seconds in best.items():
        print(f"{name:<28} {seconds * 1e6:>15.1f}")
    for t in tracings.values():
        t.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
