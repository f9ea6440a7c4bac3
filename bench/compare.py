"""Comparison benchmark: one comparison of two versions over 1 million + 1 million calls (issue 15 §6).

    .venv/bin/python bench/compare.py [--rows 1000000] [--runs 3] [--dir DIR]

1. A store on DIR (a temporary directory by default) with the migrations applied. `2 x --rows` calls of one
   service, in one hour ending a minute ago, half of them version 1.4.0 and half 1.5.0 (a canary: both serve
   in the same window), generated in SQL (INSERT INTO llm_calls SELECT ... FROM numbers()) in 4 inserts:
   log-normal latency and tokens, a TTFT on chat calls, ~1 % errors; the candidate's p95 is higher. Every
   call has a priced cost row (request_costs, exact Decimal) and one call in 50 an evaluation score.
2. FIGURE: `compare_versions` (releases/analysis.py) by service_version, as the API and the gate run it: the
   one query that reads both sides with their costs and scores, the frames, the tests, the verdict. The
   median of `--runs` runs after one warm-up. Target: under 2 s.
3. CEILING, in the same run: reading both sides' columns alone (the same calls' latency, TTFT, status and
   tokens from llm_calls FINAL, in one query, into Arrow; no join, no statistics). For context, the figure's
   query alone (store/queries/compare.side_calls: both sides with their costs and scores, into Arrow).
4. The same two figures after OPTIMIZE FINAL (what the service's compaction leaves of a closed day).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from releases.analysis import CompareRequest, compare_versions  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store  # noqa: E402
from store.base import Store  # noqa: E402
from store.params import time_param  # noqa: E402
from store.queries.compare import Sides, Window, side_calls  # noqa: E402
from store.queries.quality import QualityRules  # noqa: E402

CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, service_version, operation, provider,
    request_model, response_model, input_tokens, output_tokens, usage_reported, duration_ns, ttft_ns, status)
SELECT
    {end:DateTime64(9, 'UTC')} - toIntervalMillisecond(cityHash64(number, 1) % 3600000) AS timestamp,
    lower(hex(cityHash64(number, 2))) || lower(hex(cityHash64(number, 3))) AS trace_id,
    lower(hex(cityHash64(number, 4))) AS span_id,
    'default' AS project, 'chat-api' AS service_name, if(number % 2 = 0, '1.4.0', '1.5.0') AS service_version,
    'chat' AS operation, 'openai' AS provider, 'gpt-4o' AS request_model, 'gpt-4o-2024-08-06' AS response_model,
    toInt64(exp(6.5 + randNormal(0, 0.8))) + 1 AS input_tokens,
    toInt64(exp(5.0 + randNormal(0, 0.7))) + 1 AS output_tokens,
    true AS usage_reported,
    toUInt64(exp(20.4 + randNormal(0, 1) * if(service_version = '1.5.0', 0.55, 0.45))) AS duration_ns,
    toUInt64(duration_ns * (0.1 + 0.2 * rand() / 4294967295)) AS ttft_ns,
    if(cityHash64(number, 5) % 100 = 0, 'error', 'ok') AS status
FROM numbers({first:UInt64}, {count:UInt64})"""
COSTS = """
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, provider, model, input_tokens,
    output_tokens, priced, currency, cost_input, cost_output, cost_total, catalog_version, priced_at)
SELECT timestamp, trace_id, span_id, project, service_name, provider, model, input_tokens, output_tokens, true, 'USD',
    toDecimal128(input_tokens, 12) * toDecimal128('0.0000025', 12) AS cost_input,
    toDecimal128(output_tokens, 12) * toDecimal128('0.00001', 12) AS cost_output,
    cost_input + cost_output, 'bench', now64(3)
FROM llm_calls"""
SCORES = """
INSERT INTO quality_scores (timestamp, project, trace_id, span_id, score_id, name, value, label, source,
    service_name, model, joined)
SELECT timestamp, project, trace_id, span_id, span_id, 'correctness', if(cityHash64(span_id) % 10 = 0, 0, 1), '',
    'eval', service_name, model, true
FROM llm_calls WHERE cityHash64(span_id, 9) % 50 = 0"""
READ = """
SELECT duration_ns, ttft_ns, status, input_tokens, output_tokens FROM llm_calls FINAL
WHERE service_name = 'chat-api' AND service_version IN ('1.4.0', '1.5.0')
    AND timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}"""


T = TypeVar("T")


def median_seconds(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(store: Store, request: CompareRequest, runs: int, state: str) -> None:
    params = {"since": time_param(request.since), "until": time_param(request.until)}
    comparison_s, comparison = median_seconds(lambda: compare_versions(store, request), runs)
    ceiling_s, table = median_seconds(lambda: store.query_arrow(READ, params), runs)
    window = Window(request.since, request.until)
    sides = Sides(request.by, request.baseline, request.candidate, window, window, services=request.services)
    read_s, _ = median_seconds(lambda: side_calls(store, sides, QualityRules()), runs)
    c = comparison
    print(f"[{state}] FIGURE compare_versions over {c.baseline_calls:,} + {c.candidate_calls:,} calls: "
          f"{comparison_s:.2f} s (target < 2 s); verdict {c.verdict}, worse {', '.join(c.worse) or '-'}")
    print(f"[{state}]   of which the one query that reads both sides with costs and scores: {read_s:.2f} s")
    print(f"[{state}] load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"[{state}] CEILING reading both sides' columns ({table.num_rows:,} rows, no join, no statistics): "
          f"{ceiling_s:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="calls per side")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    store = open_store(args.dir or tempfile.mkdtemp(prefix="spyglass-bench-compare-"), None, "bench")
    migrate(store)
    end = datetime.now(timezone.utc) - timedelta(minutes=1)
    start = time.perf_counter()
    total, chunk = 2 * args.rows, -(-2 * args.rows // 4)
    for first in range(0, total, chunk):
        store.command(CALLS, {"end": time_param(end), "first": first, "count": min(chunk, total - first)})
    store.command(COSTS)
    store.command(SCORES)
    print(f"generated {total:,} calls with their costs and scores in {time.perf_counter() - start:.1f} s")
    request = CompareRequest(by="service_version", baseline="1.4.0", candidate="1.5.0",
                             since=end - timedelta(hours=1), until=end + timedelta(seconds=1), services=("chat-api",))
    measure(store, request, args.runs, "as inserted")
    for table in ("llm_calls", "request_costs", "quality_scores"):
        store.command(f"OPTIMIZE TABLE {table} FINAL")
    measure(store, request, args.runs, "after OPTIMIZE FINAL")
    store.close()


if __name__ == "__main__":
    main()
