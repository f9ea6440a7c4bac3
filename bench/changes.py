"""Changes job benchmark: runs of releases/changes_job.py over 10 million llm_calls rows.

    .venv/bin/python bench/changes.py [--rows 10000000] [--new 100000] [--dir DIR]

1. A store on DIR (a temporary directory by default) with the migrations applied; the calls are generated in
   SQL over the past 7 days: 4 services at one version each, 8 models with a snapshot each, 4 providers, 3
   prompts at one version each, each ingested at its time.
2. Catching up: runs (at most a million new calls each) until the watermark is at the present; the first asks
   every value of the store over the whole look-back (they are all new: the first ever).
3. A steady run: `--new` more calls with the same values, ingested now; the look-back's calls show every value,
   so the store is asked nothing (the figure that matters: it runs every minute).
4. A deploy run: as many new calls, where one service runs a new version and its prompt a new version; those
   two values are asked of the store (the hour before, then the week, of that service only).
Each run is timed from the job's entry to its return, on the real time (the delay set to 0).
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

from pipelines.costs.catalog import load_shipped  # noqa: E402
from releases.changes_job import ChangesConfig, run_changes_job  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store, query_rows  # noqa: E402

MODELS = "['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gemini-2.5-flash', 'llama-3-70b', " \
         "'mistral-large', 'text-embedding-3-small']"
PROVIDERS = "['openai', 'openai', 'anthropic', 'anthropic', 'gcp.gemini', 'vllm', 'mistral_ai', 'openai']"
GENERATE = f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, project, service_name, service_version, request_model,
                       response_model, provider, prompt_name, prompt_version, ingested_at)
SELECT
    now64(9) - toIntervalMillisecond(cityHash64(number, 9) % {{span_ms:UInt64}}) AS timestamp,
    lower(hex(cityHash64(number, {{seed:UInt64}}))) AS trace_id,
    lower(hex(cityHash64(number, 3))) AS span_id,
    'bench' AS project,
    ['chat-api', 'support-bot', 'search-rag', 'code-assist'][number % 4 + 1] AS service_name,
    if(number % 4 = 0, {{version:String}}, '1.0.0') AS service_version,
    {MODELS}[number % 8 + 1] AS request_model,
    request_model || '-2025-01-01' AS response_model,
    {PROVIDERS}[number % 8 + 1] AS provider,
    ['answer', 'summarise', 'route'][number % 3 + 1] AS prompt_name,
    if(number % 4 = 0 AND number % 3 = 0, {{prompt:String}}, '1') AS prompt_version,
    if({{fresh:UInt8}}, now64(3), toDateTime64(timestamp, 3)) AS ingested_at
FROM numbers({{rows:UInt64}})"""
WEEK_MS = 7 * 86_400_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    store = open_store(args.dir or tempfile.mkdtemp(prefix="spyglass-bench-changes-"), None, "bench")
    migrate(store)
    catalog, config = load_shipped(), ChangesConfig(delay=timedelta(0))
    started = time.perf_counter()
    store.command(GENERATE, {"rows": args.rows, "span_ms": WEEK_MS, "seed": 1, "version": "1.0.0", "prompt": "1",
                             "fresh": 0})
    print(f"generated {args.rows:,} calls over 7 days in {time.perf_counter() - started:.1f} s")
    store.command("OPTIMIZE TABLE llm_calls FINAL")  # merged days, as the compaction job leaves them
    started, runs, recorded = time.perf_counter(), 0, 0
    while True:
        result = run_changes_job(store, catalog, datetime.now(timezone.utc), config)
        runs, recorded = runs + 1, recorded + sum(result.recorded.values())
        if not result.values:
            break
    print(f"catching up: {time.perf_counter() - started:.3f} s in {runs} runs; {recorded} changes recorded")
    for i, (name, new) in enumerate([("steady run", {"version": "1.0.0", "prompt": "1"}),
                                     ("deploy run (a new version and prompt version)",
                                      {"version": "1.1.0", "prompt": "2"})]):
        store.command(GENERATE, {"rows": args.new, "span_ms": 60_000, "seed": 10 + i, "fresh": 1, **new})
        started = time.perf_counter()
        result = run_changes_job(store, catalog, datetime.now(timezone.utc), config)
        seconds = time.perf_counter() - started
        print(f"{name}: {seconds:.3f} s; values {result.values}, asked {result.asked}, recorded {result.recorded}")
    changes = query_rows(store, "SELECT count() AS n FROM changes FINAL")[0]["n"]
    print(f"changes recorded: {changes}")


if __name__ == "__main__":
    main()
