"""Alert engine benchmark: one evaluation cycle of 500 rules over 10 million llm_calls with their costs and
1,000 GPUs.

    .venv/bin/python bench/alerts.py [--calls 10000000] [--days 30] [--gpus 1000] [--runs 3]

1. Generates `--calls` llm_calls over `--days` days ending now (bench/summary.py's fleet: eight models, eight
   services, errors, streaming), prices them with the cost job and rolls them up; and `--gpus` H100s (8 per
   host) sampled every 15 s for the last 6 hours, with self-hosted calls, through the GPU cost job.
2. Builds 500 rules: 420 detector rules over the twelve detectors (different services, models, hosts,
   thresholds, windows: what a fleet with per-team rules looks like) and 80 `sql:` rules (error ratios,
   token counts, slow calls per service and model).
3. Times `Engine.evaluate` (evaluation, state machine, persistence, routing, grouping; the outbox records
   only) at now, `--runs` cycles, median; the first cycle creates the instances, the next ones update them.
   Ceiling, in the same run: the queries alone (one `series` per detector over the merged params, and every
   sql rule's query) on the engine's thread count.

Needs the detectors (detectors/registry.py via spyglass.alerting.DETECTORS).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alerts import sql_rules  # noqa: E402
from alerts.engine import Engine  # noqa: E402
from alerts.evaluation import shared_series  # noqa: E402
from alerts.routing import RouteConfig, compile_route  # noqa: E402
from alerts.rule_source import RuleSource  # noqa: E402
from bench.summary import MODELS, SERVICES, generate_sql  # noqa: E402
from pipelines.costs.catalog import load_shipped  # noqa: E402
from pipelines.costs.job import run_cost_job  # noqa: E402
from pipelines.costs.rollup_job import run_rollup_job  # noqa: E402
from pipelines.gpu.allocation import AllocationConfig  # noqa: E402
from pipelines.gpu.job import run_gpu_cost_job  # noqa: E402
from pipelines.gpu.prices import load_table  # noqa: E402
from spyglass.alerting import DETECTORS  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store  # noqa: E402

CHUNK = 2_000_000
WORKERS = 4
SERVICE_NAMES = [s for s, _, _ in SERVICES]
MODEL_NAMES = [m for _, m, _, _, _ in MODELS]


class Recording:
    def __init__(self) -> None:
        self.count = 0

    def enqueue(self, notifications) -> None:
        self.count += len(notifications)


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def generate(store, calls: int, days: int, gpus: int, now: datetime) -> None:
    start = now - timedelta(days=days)
    start_ns, span_ns = int(start.timestamp() * 1e9), int(timedelta(days=days).total_seconds() * 1e9)
    for offset in range(0, calls, CHUNK):
        store.command(generate_sql(offset, min(CHUNK, calls - offset), start_ns, span_ns))
    run_cost_job(store, load_shipped(), now + timedelta(seconds=5), batch_limit=None)
    run_rollup_job(store, now + timedelta(seconds=10))
    hosts, every, span = gpus // 8, 15, timedelta(hours=6)
    per_gpu = int(span.total_seconds()) // every
    since = (now - span).strftime("%Y-%m-%d %H:%M:%S")
    store.command(f"""
INSERT INTO gpu_samples (timestamp, project, host_name, gpu_uuid, gpu_model, utilization, memory_used_bytes,
    memory_total_bytes, source)
SELECT addSeconds(toDateTime64('{since}', 9, 'UTC'), {every} * (number % {per_gpu})), 'bench',
    concat('gpu-', toString(intDiv(number, {per_gpu * 8}))), concat('GPU-', toString(intDiv(number, {per_gpu}))),
    'NVIDIA H100 80GB HBM3', (cityHash64(intDiv(number, {per_gpu})) % 100) / 100, 40e9, 80e9, 'agent'
FROM numbers({gpus * per_gpu})""")
    store.command(f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, provider, request_model, host_name,
    input_tokens, output_tokens, usage_reported)
SELECT addMilliseconds(toDateTime64('{since}', 9, 'UTC'), number * 100), hex(cityHash64(number)),
    concat('gpu-call-', toString(number)), 'bench', 'chat', 'vllm', 'llama-3.1-70b',
    concat('gpu-', toString(number % {hosts})), 500, 200, true
FROM numbers({int(span.total_seconds()) * 10})""")
    run_gpu_cost_job(store, load_table(), AllocationConfig(self_hosted_providers=frozenset({"vllm"})), now,
                     lookback=span)


def rules() -> list[dict]:
    """420 detector rules and 80 sql rules."""
    out: list[dict] = []

    def add(name: str, count: int, make) -> None:
        out.extend({"name": f"{name}-{i}", **make(i)} for i in range(count))

    svc, mdl = (lambda i: SERVICE_NAMES[i % len(SERVICE_NAMES)]), (lambda i: MODEL_NAMES[i % len(MODEL_NAMES)])
    add("cost", 100, lambda i: {"detector": "cost_anomaly", "params": {
        "group_by": ["project", "service"], "where": {"service": [svc(i)]}, "min_excess_usd": 5 + i % 20}})
    add("latency", 60, lambda i: {"detector": "latency_regression", "for": "10m", "params": {
        "group_by": ["provider", "model"], "where": {"model": [mdl(i)]}, "ratio": 1.2 + (i % 5) / 10}})
    add("ttft", 30, lambda i: {"detector": "ttft_regression", "params": {"where": {"model": [mdl(i)]}}})
    add("burn", 60, lambda i: {"detector": "error_burn_rate", "severity": "critical", "params": {
        "where": {"service": [svc(i)]}, "objective": [0.99, 0.995, 0.999][i % 3]}})
    add("budget", 10, lambda i: {"detector": "budget", "params": {"budgets": [
        {"name": f"team-{i}", "scope": "team", "value": SERVICES[i % 8][1], "monthly": 1000 + 100 * i}]}})
    add("gpu-idle", 20, lambda i: {"detector": "gpu_idle", "params": {"min_idle_usd": 1 + i}})
    add("gpu-hot", 30, lambda i: {"detector": "gpu_saturated", "params": {"max_utilization": 0.9 + (i % 10) / 100}})
    add("gpu-mem", 30, lambda i: {"detector": "gpu_memory_low", "params": {"min_headroom": 0.05 + (i % 10) / 100}})
    add("drift", 20, lambda i: {"detector": "drift", "params": {"where": {"service": [svc(i)]}}})
    add("quality", 30, lambda i: {"detector": "quality_drop", "params": {"where": {"service": [svc(i)]}}})
    add("unpriced", 10, lambda i: {"detector": "unpriced_model", "params": {"min_calls": 1 + i}})
    add("silent", 20, lambda i: {"detector": "no_data", "params": {"silence": f"{10 + i}m"}})
    window = "timestamp > {now:DateTime64(9)} - toIntervalSecond({interval:UInt32} * 10) AND timestamp <= {now:DateTime64(9)}"
    add("sql-errors", 40, lambda i: {"sql": f"""SELECT service_name AS service, countIf(status = 'error') / count() AS value
FROM llm_calls WHERE service_name = '{svc(i)}' AND {window} GROUP BY service_name HAVING value > {0.01 * (1 + i % 5)}"""})
    add("sql-tokens", 20, lambda i: {"sql": f"""SELECT team, toFloat64(sum(output_tokens)) AS value FROM llm_calls
WHERE {window} GROUP BY team HAVING value > {1_000_000 * (1 + i)}"""})
    add("sql-slow", 20, lambda i: {"sql": f"""SELECT model, quantile(0.99)(duration_ns) / 1e6 AS value FROM llm_calls
WHERE model = '{mdl(i)}' AND {window} GROUP BY model HAVING value > {2000 + 100 * i}"""})
    assert len(out) == 500
    return out


def ceiling(store, ruleset, now: datetime) -> float:
    """The queries alone: one series per detector (merged params), every sql rule's query, on WORKERS threads."""
    groups = defaultdict(list)
    for rule in ruleset.rules:
        groups[rule.detector].append(rule)
    tasks = [lambda g=g, d=d: shared_series(DETECTORS[d], store, g, now, now) for d, g in groups.items() if d]
    tasks += [lambda r=r: sql_rules.run(store, r.sql, now, 30) for r in groups.get(None, [])]
    with ThreadPoolExecutor(WORKERS) as pool:
        seconds, _ = timed(lambda: list(pool.map(lambda task: task(), tasks)))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--gpus", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not DETECTORS:
        sys.exit("bench/alerts.py needs the detectors: this build has none (spyglass.alerting.DETECTORS is empty)")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="spyglass-bench-alerts-") as tmp:
        store = open_store(tmp, None, "bench")
        migrate(store)
        gen_s, _ = timed(lambda: generate(store, args.calls, args.days, args.gpus, now))
        print(f"generated and priced {args.calls:,} calls over {args.days} days and {args.gpus} GPUs in {gen_s:.0f} s")
        path = Path(tmp) / "rules.yaml"
        path.write_text(yaml.safe_dump({"rules": rules()}, sort_keys=False))
        source = RuleSource([path], DETECTORS, store, include_shipped=False)
        outbox = Recording()
        engine = Engine(store, source, DETECTORS, outbox, compile_route(RouteConfig(receiver="bench")),
                        interval_seconds=30, workers=WORKERS)
        cycles = [timed(lambda k=k: engine.evaluate(now + timedelta(seconds=30 * k))) for k in range(args.runs)]
        ceilings = [ceiling(store, source.current(), now + timedelta(seconds=30 * k)) for k in range(args.runs)]
        report = cycles[-1][1]
        store.close()
    cycle = statistics.median(s for s, _ in cycles)
    print(f"one evaluation cycle of {report.rules} rules (median of {args.runs}): {cycle:.2f} s "
          f"(runs {', '.join(f'{s:.2f}' for s, _ in cycles)} s); {report.failed} failed, {report.firing} firing, "
          f"{report.pending} pending, {outbox.count} notifications")
    print(f"ceiling (the queries alone, {WORKERS} threads, median of {args.runs}): {statistics.median(ceilings):.2f} s")


if __name__ == "__main__":
    main()
