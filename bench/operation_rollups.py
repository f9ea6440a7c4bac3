"""Operation rollups benchmark: the operations view (GET /api/v1/operations) over 30 days and one day, from
`otel_traces` and from the rollups, and the rollup job's time per million spans.

    .venv/bin/python bench/operation_rollups.py [--spans 5000000] [--days 30] [--runs 5] [--fresh 500000] [--dir DIR]

In-process on one chDB store (the query the API runs, without HTTP):
1. Generates `--spans` spans over `--days` days ending now in `otel_traces`: agent, tool and retrieval spans
   (six services, twelve tool names, four agents, three retrievers, two projects, ~2 % errors: 114 rows of
   the view) and as many model-call and HTTP spans beside them (which the view leaves out), then merges each day to one part.
2. Times the view with no rollup (the job never ran: everything from `otel_traces`).
3. Runs the job once over everything (the backfill), merges the rollups' days (what compaction leaves), and
   times the same view from the rollups.
4. Inserts `--fresh` spans over the last five minutes and times the job's incremental run over them.
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

from bench.call_rollups import _median_ms  # noqa: E402
from collector.normalise.genai_aliases import MODEL_OPERATIONS  # noqa: E402
from collector.normalise.genai_view import span_sql  # noqa: E402
from pipelines.operations.rollup_job import run_operation_rollup_job  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store.base import query_rows  # noqa: E402
from store.chdb_backend import ChdbStore  # noqa: E402
from store.queries import minute_rollups  # noqa: E402
from store.queries.operations import OPERATIONS, OperationFilters, operations  # noqa: E402

SQL = span_sql()
# Half the spans are operations (tool, agent, retrieval), a quarter model calls, a quarter HTTP spans.
_GENERATE = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes,
    SpanAttributes, Duration, StatusCode)
SELECT fromUnixTimestamp64Nano(toInt64({start:Int64} + (cityHash64(number, 1) % 1000000) * intDiv({span:Int64}, 1000000)
       + cityHash64(number, 2) % 1000000), 'UTC'),
    lower(hex(cityHash64(number, 3))), lower(hex(cityHash64(number, 4))),
    ['execute_tool', 'execute_tool', 'invoke_agent', 'retrieve docs', 'chat gpt-4o', 'GET /api', 'GET /api',
     'GET /health'][1 + number % 8],
    'Internal', concat('svc-', toString(cityHash64(number, 7) % 6)),
    map('service.name', concat('svc-', toString(cityHash64(number, 7) % 6)),
        'spyglass.project', ['p1', 'p2'][1 + cityHash64(number, 8) % 2]),
    multiIf(number % 8 < 2, map('gen_ai.operation.name', 'execute_tool',
                                'gen_ai.tool.name', concat('tool-', toString(cityHash64(number, 9) % 12))),
            number % 8 = 2, map('gen_ai.operation.name', 'invoke_agent',
                                'gen_ai.agent.name', concat('agent-', toString(cityHash64(number, 9) % 4))),
            number % 8 = 3, map('openinference.span.kind', 'RETRIEVER',
                                'gen_ai.data_source.id', concat('index-', toString(cityHash64(number, 9) % 3))),
            number % 8 = 4, map('gen_ai.operation.name', 'chat', 'gen_ai.request.model', 'gpt-4o'),
            map('http.request.method', 'GET')),
    toUInt64(1000000 + cityHash64(number, 5) % 2000000000), if(cityHash64(number, 6) % 50 = 0, 'Error', 'Unset')
FROM numbers({first:UInt64}, {n:UInt64})"""


def _generate(store, first: int, n: int, start: datetime, span: timedelta) -> None:
    store.command(_GENERATE, {"first": first, "n": n, "start": int(start.timestamp() * 1e9),
                              "span": int(span.total_seconds() * 1e9)})


def _reads(store, now: datetime, runs: int) -> dict[str, dict]:
    out = {}
    for label, days in (("30 days", 30), ("1 day", 1)):
        f = OperationFilters(now - timedelta(days=days), now)
        out[label] = {"plan": sorted({p.source for p in minute_rollups.pieces(store, OPERATIONS, f.since, f.until)}),
                      "operations_ms": _median_ms(lambda f=f: operations(store, f, SQL, MODEL_OPERATIONS, 100), runs),
                      "rows": len(operations(store, f, SQL, MODEL_OPERATIONS, 1000))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=500_000)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.dir or Path(tempfile.mkdtemp(prefix="spyglass-operation-rollups-"))
    store = ChdbStore(str(data_dir))
    result: dict[str, object] = {"spans": args.spans, "days": args.days}
    try:
        migrate(store)
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        start, width = now - timedelta(days=args.days, minutes=5), timedelta(days=args.days)
        chunk = -(-args.spans // args.chunks)
        t0 = time.perf_counter()
        for first in range(0, args.spans, chunk):
            _generate(store, first, min(chunk, args.spans - first), start, width)
        store.command("OPTIMIZE TABLE otel_traces FINAL")
        result["generate_s"] = round(time.perf_counter() - t0, 1)
        result["raw"] = _reads(store, now, args.runs)

        t0 = time.perf_counter()
        backfill = run_operation_rollup_job(store, datetime.now(timezone.utc), SQL, MODEL_OPERATIONS)
        seconds = time.perf_counter() - t0
        rows = {t: query_rows(store, f"SELECT count() AS n FROM {t} FINAL")[0]["n"]
                for t in (OPERATIONS.minute_table, OPERATIONS.hour_table, OPERATIONS.day_table)}
        result["backfill"] = {"seconds": round(seconds, 1), "s_per_million": round(seconds / args.spans * 1e6, 2),
                              "minutes": backfill["minutes"], **rows}
        for table in (OPERATIONS.minute_table, OPERATIONS.hour_table, OPERATIONS.day_table):
            store.command(f"OPTIMIZE TABLE {table} FINAL")
        result["rollups"] = _reads(store, datetime.now(timezone.utc).replace(second=0, microsecond=0), args.runs)

        fresh_start = datetime.now(timezone.utc) - timedelta(minutes=5)
        _generate(store, args.spans, args.fresh, fresh_start, timedelta(minutes=5))
        t0 = time.perf_counter()
        run = run_operation_rollup_job(store, datetime.now(timezone.utc) + timedelta(minutes=1), SQL, MODEL_OPERATIONS)
        seconds = time.perf_counter() - t0
        result["incremental"] = {"spans": args.fresh, "minutes": run["minutes"], "seconds": round(seconds, 2),
                                 "s_per_million": round(seconds / args.fresh * 1e6, 2)}
    finally:
        store.close()
        if args.dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
