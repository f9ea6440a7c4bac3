"""GPU cost job benchmark: one run over a fleet's look-back, against a real embedded store.

    .venv/bin/python bench/gpu_costs.py [--hosts 50] [--gpus 8] [--sample-seconds 15] [--calls-per-second 50]

Generates, with INSERT ... SELECT FROM numbers() into a fresh store in a temporary
directory: `--hosts` GPU hosts of `--gpus` H100s each, sampled every `--sample-seconds`
for 3.5 hours, and self-hosted (vllm) calls at `--calls-per-second` spread over the hosts
(2 % on a host that sends no samples). Then times `run_gpu_cost_job` at 3.5 h with a
3-hour look-back (it recomputes 4 hours: 3 closed, 1 current, besides any still queued), three
runs, median.

Ceiling, measured in the same run: the job's store I/O alone - reading the same samples
and calls (the two queries the job runs) and inserting the same number of request rows
(a copy of what the job wrote, into a scratch table of the same schema). The job cannot
be faster than that; the difference is the Polars/Python work of allocation.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.gpu.allocation import AllocationConfig  # noqa: E402
from pipelines.gpu.job import run_gpu_cost_job  # noqa: E402
from pipelines.gpu.prices import load_table  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store, query_rows  # noqa: E402
from store.queries import gpu_costs as q  # noqa: E402

START = datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
SPAN = timedelta(hours=3, minutes=30)


def generate(store, hosts: int, gpus: int, every: int, rate: int) -> tuple[int, int]:
    per_gpu = int(SPAN.total_seconds()) // every
    samples = hosts * gpus * per_gpu
    start = START.strftime("%Y-%m-%d %H:%M:%S")
    store.command(f"""
INSERT INTO gpu_samples (timestamp, project, host_name, gpu_uuid, gpu_model, utilization, source)
SELECT addSeconds(toDateTime64('{start}', 9, 'UTC'), {every} * (number % {per_gpu})), 'bench',
    concat('gpu-', toString(intDiv(number, {per_gpu * gpus}))),
    concat('GPU-', toString(intDiv(number, {per_gpu}))), 'NVIDIA H100 80GB HBM3',
    0.3 + (cityHash64(number) % 70) / 100, 'agent'
FROM numbers({samples})""")
    calls = rate * int(SPAN.total_seconds())
    store.command(f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model, host_name,
    input_tokens, output_tokens, usage_reported)
SELECT addMilliseconds(toDateTime64('{start}', 9, 'UTC'), intDiv(number * 1000, {rate})),
    hex(cityHash64(number)), toString(number), 'bench', 'chat', 'vllm', 'llama-3.1-70b',
    if(number % 50 = 0, 'gpu-unknown', concat('gpu-', toString(number % {hosts}))),
    100 + cityHash64(number, 1) % 2000, 20 + cityHash64(number, 2) % 500, true
FROM numbers({calls})""")
    return samples, calls


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--gpus", type=int, default=8)
    parser.add_argument("--sample-seconds", type=int, default=15)
    parser.add_argument("--calls-per-second", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spyglass-bench-gpu-") as tmp:
        store = open_store(tmp, None, "bench")
        migrate(store)
        gen_s, (samples, calls) = timed(lambda: generate(store, args.hosts, args.gpus, args.sample_seconds,
                                                         args.calls_per_second))
        print(f"generated {samples:,} GPU samples and {calls:,} calls in {gen_s:.1f} s")
        prices, config = load_table(), AllocationConfig(self_hosted_providers=frozenset({"vllm"}))
        now = START + SPAN
        durations = []
        for i in range(args.runs):
            seconds, result = timed(lambda i=i: run_gpu_cost_job(store, prices, config, now + timedelta(seconds=i),
                                                                 lookback=timedelta(hours=3)))
            durations.append(seconds)
        job = statistics.median(durations)
        window = (now - timedelta(hours=3)).replace(minute=0), now.replace(minute=0) + timedelta(hours=1)
        read_samples, frame = timed(lambda: q.gpu_samples(store, window[0] - timedelta(minutes=1),
                                                          window[1] + timedelta(minutes=1)))
        hosts = [f"gpu-{h}" for h in range(args.hosts)]
        read_calls, call_frame = timed(lambda: q.calls(store, *window, hosts, ["vllm"]))
        store.command("CREATE TABLE scratch AS request_gpu_costs")
        rows = store.query_arrow("SELECT * FROM request_gpu_costs FINAL")
        write, _ = timed(lambda: store.insert_arrow("scratch", rows))
        io = read_samples + read_calls + write
        check = query_rows(store, f"SELECT sum(cost) AS cost, sum(allocated) + sum(idle) AS parts "
                                  f"FROM gpu_cost_hourly FINAL WHERE {q.LATEST_RUN}",
                           {"start": "2026-11-20 00:00:00", "end": "2026-11-21 00:00:00"})[0]
        store.close()
    allocated = result.calls_allocated
    print(f"job run (median of {args.runs}): {job:.2f} s for {result.hours} hours, {result.host_hours} host-hours, "
          f"{allocated:,} calls allocated, {result.unknown_host_calls:,} unknown-host calls "
          f"-> {allocated / job:,.0f} calls/s; runs {', '.join(f'{d:.2f}' for d in durations)} s")
    print(f"ceiling (store I/O alone): read {frame.height:,} samples {read_samples:.2f} s + read "
          f"{call_frame.height:,} calls {read_calls:.2f} s + insert {rows.num_rows:,} request rows {write:.2f} s "
          f"= {io:.2f} s -> {allocated / io:,.0f} calls/s; the job reaches {io / job:.0%} of it")
    print(f"exactness: cost {check['cost']} = allocated + idle {check['parts']}: "
          f"{Decimal(check['cost']) == Decimal(check['parts'])}")


if __name__ == "__main__":
    main()
