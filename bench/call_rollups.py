"""Call rollups benchmark: the summary and time series over 30 days and one day, from the rollups and from raw
`llm_calls`, and the rollup job's time per million calls.

    .venv/bin/python bench/call_rollups.py [--rows 10000000] [--days 30] [--runs 5] [--fresh 1000000] [--dir DIR]

In-process on one chDB store (the queries the API runs, without HTTP):
1. Generates `--rows` calls spread over `--days` days ending now (bench/summary.py's generator: eight
   services, eight models, twelve features, two projects, two environments, ~1 % errors), then merges
   each day to one part (OPTIMIZE FINAL: what the compaction job leaves).
2. Times the summary (overall and by model) and the time series by model (the API's default step:
   6 h for 30 days, 15 min for one day) with no rollup (the job never ran: everything raw).
3. Runs the job once over everything (the backfill), then times the same reads from the rollups as
   written, and again once each day of the rollups is merged (OPTIMIZE FINAL: what the compaction job,
   store/maintenance.py, leaves of closed days; FINAL then has nothing left to merge).
4. Inserts `--fresh` calls spread over the last five minutes (as a live collector would) and times the
   job's incremental run over them: the steady-state cost per million calls.
Each read: one warm-up, then the median of `--runs`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.summary import generate_sql  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from pipelines.calls.rollup_job import run_call_rollup_job  # noqa: E402
from spyglass.api.common import nice_step  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import queries  # noqa: E402
from store.base import query_rows  # noqa: E402
from store.chdb_backend import ChdbStore  # noqa: E402
from store.queries import call_sources  # noqa: E402


def _median_ms(read, runs: int) -> float:
    return round(median_ms(read, runs), 1)


def _reads(store, now: datetime, runs: int) -> dict[str, dict]:
    out = {}
    for label, days in (("30 days", 30), ("1 day", 1)):
        f = queries.Filters(now - timedelta(days=days), now)
        step = nice_step(days * 86400)
        out[label] = {
            "plan": sorted({p.source for p in call_sources.pieces(store, f, step)}),
            "summary_ms": _median_ms(lambda f=f: queries.summary(store, f), runs),
            "timeseries_ms": _median_ms(lambda f=f, s=step: queries.timeseries(store, f, s, "model"), runs),
            "step_s": step,
        }
    return out


def _rows(store, table: str) -> int:
    return query_rows(store, f"SELECT count() AS n FROM {table} FINAL")[0]["n"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="spyglass-call-rollups-"))
    store = ChdbStore(str(data_dir))
    result: dict[str, object] = {"rows": args.rows, "days": args.days}
    try:
        migrate(store)
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        end_ns = int((now - timedelta(minutes=5)).timestamp()) * 10**9
        span_ns = args.days * 86400 * 10**9
        chunk = -(-args.rows // args.chunks)
        t0 = time.perf_counter()
        for first in range(0, args.rows, chunk):
            store.command(generate_sql(first, min(chunk, args.rows - first), end_ns - span_ns, span_ns))
        store.command("OPTIMIZE TABLE llm_calls FINAL")
        result["generate_s"] = round(time.perf_counter() - t0, 1)
        result["raw"] = _reads(store, now, args.runs)

        t0 = time.perf_counter()
        backfill = run_call_rollup_job(store, datetime.now(timezone.utc))
        seconds = time.perf_counter() - t0
        result["backfill"] = {"seconds": round(seconds, 1), "s_per_million": round(seconds / args.rows * 1e6, 2),
                              "minutes": backfill["minutes"], "minute_rows": _rows(store, "llm_calls_1m"),
                              "hour_rows": _rows(store, "llm_calls_1h"), "day_rows": _rows(store, "llm_calls_1d")}
        result["rollups as written"] = _reads(store, datetime.now(timezone.utc).replace(second=0, microsecond=0),
                                              args.runs)
        for table in ("llm_calls_1m", "llm_calls_1h", "llm_calls_1d"):  # what compaction leaves of closed days
            store.command(f"OPTIMIZE TABLE {table} FINAL")
        result["rollups"] = _reads(store, datetime.now(timezone.utc).replace(second=0, microsecond=0), args.runs)

        fresh_end = int(datetime.now(timezone.utc).timestamp()) * 10**9
        store.command(generate_sql(args.rows, args.fresh, fresh_end - 300 * 10**9, 300 * 10**9))
        t0 = time.perf_counter()
        run = run_call_rollup_job(store, datetime.now(timezone.utc) + timedelta(minutes=1))
        seconds = time.perf_counter() - t0
        result["incremental"] = {"calls": args.fresh, "minutes": run["minutes"], "seconds": round(seconds, 2),
                                 "s_per_million": round(seconds / args.fresh * 1e6, 2)}
    finally:
        store.close()
        if args.dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
