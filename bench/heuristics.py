"""Heuristics benchmark: the checks of pipelines/quality/heuristics.py over 10 million llm_calls rows.

    .venv/bin/python bench/heuristics.py [--rows 10000000] [--dir DIR]

1. A store on DIR (a temporary directory by default) with the migrations applied; the
   calls are generated in SQL (INSERT INTO llm_calls SELECT ... FROM numbers()): eight
   models, ~2% errors, ~1% empty outputs, ~3% truncated, ~0.5% filtered, log-normal
   latency per model; all ingested one minute ago.
2. Reads them the way the job does (store/queries/quality_jobs.calls_ingested), then
   times the figure the target is about, computation + write: `score_calls` (Polars) and
   the insert of the rows it returns into quality_scores. Target: >= 1 million calls/s.
3. Ceiling, in the same run: the least any version of the job could do with this frame
   and this store: one Polars filter that keeps as many rows as the checks flag, and the
   insert of those rows (the same Arrow table inserted again).
4. The whole job for context (run_heuristics_job: watermark, read, reference p99s,
   checks, write), on a fresh watermark.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from pipelines.quality.heuristics import latency_thresholds, score_calls  # noqa: E402
from pipelines.quality.heuristics_job import HeuristicsConfig, run_heuristics_job  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store  # noqa: E402
from store.queries import quality_jobs as q  # noqa: E402

MODELS = "['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-flash', " \
         "'llama-3-70b', 'mistral-large', 'text-embedding-3-small']"
GENERATE = f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, operation, request_model, output_tokens,
                       usage_reported, duration_ns, status, error_type, finish_reasons, team, feature, ingested_at)
SELECT
    now64(9) - toIntervalSecond(number % 86400) AS timestamp,
    lower(hex(cityHash64(number, 1))) || lower(hex(cityHash64(number, 2))) AS trace_id,
    lower(hex(cityHash64(number, 3))) AS span_id,
    'bench' AS project,
    ['chat-api', 'support-bot', 'search-rag', 'code-assist'][number % 4 + 1] AS service_name,
    if(number % 8 = 7, 'embeddings', 'chat') AS operation,
    {MODELS}[number % 8 + 1] AS request_model,
    if(cityHash64(number, 4) % 100 = 0, 0, 20 + cityHash64(number, 5) % 800) AS output_tokens,
    true AS usage_reported,
    toUInt64(exp(19.5 + (number % 8) * 0.15 + randNormal(0, 0.6))) AS duration_ns,
    if(cityHash64(number, 6) % 50 = 0, 'error', 'ok') AS status,
    if(status = 'error', 'RateLimitError', '') AS error_type,
    multiIf(cityHash64(number, 7) % 1000 < 30, ['length'], cityHash64(number, 7) % 1000 < 35, ['content_filter'],
            ['stop']) AS finish_reasons,
    ['search', 'support', 'growth'][number % 3 + 1] AS team,
    ['answers', 'drafts'][number % 2 + 1] AS feature,
    now64(3) - toIntervalMinute(1) AS ingested_at
FROM numbers({{rows:UInt64}})"""


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    store = open_store(args.dir or tempfile.mkdtemp(prefix="spyglass-bench-heuristics-"), None, "bench")
    migrate(store)
    _, seconds = timed(lambda: store.command(GENERATE, {"rows": args.rows}))
    print(f"generated {args.rows:,} calls in {seconds:.1f} s")
    now = datetime.now(timezone.utc)

    calls, read_s = timed(lambda: q.calls_ingested(store, now - timedelta(hours=1), now))
    thresholds = latency_thresholds(q.model_p99(store, now - timedelta(hours=24), now, 100), {})
    rows, compute_s = timed(lambda: score_calls(calls, thresholds, 60_000_000_000, None, now))
    arrow = rows.to_arrow()
    _, write_s = timed(lambda: store.insert_arrow("quality_scores", arrow))
    n = calls.height
    print(f"read {n:,} calls in {read_s:.2f} s ({n / read_s:,.0f} calls/s; not part of the target)")
    print(f"checks (Polars) {compute_s:.2f} s, write of {rows.height:,} flagged rows {write_s:.2f} s")
    print(f"FIGURE computation + write: {n / (compute_s + write_s):,.0f} calls/s (target >= 1,000,000)")

    share = rows.height / n
    kept, floor_compute_s = timed(lambda: calls.filter(pl.col("duration_ns").hash() % 1_000_000 < share * 1_000_000)
                                  .select(q.HEURISTIC_INPUT))
    _, floor_write_s = timed(lambda: store.insert_arrow("quality_scores", arrow))
    print(f"CEILING one filter ({kept.height:,} rows) {floor_compute_s:.2f} s + the same insert {floor_write_s:.2f} s: "
          f"{n / (floor_compute_s + floor_write_s):,.0f} calls/s")

    _, job_s = timed(lambda: run_heuristics_job(store, HeuristicsConfig(), now + timedelta(seconds=2),
                                                batch_limit=None))
    print(f"whole job (read + reference p99 + checks + write): {job_s:.2f} s, {n / job_s:,.0f} calls/s")
    store.close()


if __name__ == "__main__":
    main()
