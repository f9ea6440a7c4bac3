"""Cost-engine benchmark: the cost job over 10 million llm_calls (full run), one minute at 30,000 calls/s
(incremental run), and GET /api/v1/costs/breakdown over 30 days of hourly rollups.

    .venv/bin/python bench/costs.py [--calls 10000000] [--days 30] [--rate 30000] [--busy-minutes 0] [--dir DIR]

1. Generates `--calls` llm_calls rows over `--days` days ending an hour ago (bench/summary.py's
   generator: eight models of five providers, 50,000 users, caching, errors) into a chDB store.
2. Full run: `run_cost_job` with no batch limit prices every row in the store (keys matched
   in Python, arithmetic in SQL); then the rollup job re-aggregates every hour. Ceiling measured in the same run on the same rows: the store
   copying them alone (INSERT INTO a scratch copy of request_costs SELECT the call columns,
   no pricing, with the cost job's insert settings).
3. Incremental run: one minute of calls at `--rate` calls/s, stamped in the last minute and
   ingested after the full run, then one scheduled-style run (2-minute look-back), then the
   rollup job for the slices it touched. Ceiling: the store copying that minute's calls alone.
   With --busy-minutes N, also a past hour of N minutes at --rate plus one late minute: the rollup
   job's run against recomputing that hour whole (the rollup before migration 13).
4. The breakdown API (in-process ASGI over the real router, JSON included) over the 30 days,
   after the service's compaction job has merged the closed days of the rollup and the cost rows
   (today is left as it is): by model with and without the exact distinct-user count, by
   team,feature, and by user (read from the cost rows, not the rollup); median of 5 after a warm-up.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.summary import generate_sql  # noqa: E402
from pipelines.costs.catalog import load_shipped  # noqa: E402
from pipelines.costs.job import COST_INSERT_SETTINGS, run_cost_job  # noqa: E402
from pipelines.costs.rollup_job import roll_up, run_rollup_job  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store.chdb_backend import ChdbStore  # noqa: E402
from store.maintenance import compact  # noqa: E402
from store.params import time_param  # noqa: E402
from store.queries import costs as q  # noqa: E402
from store.queries.cost_rollup import SLICE, SLICES_PER_HOUR  # noqa: E402

CHUNK = 2_000_000


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def generate(store, first: int, count: int, start: datetime, span: timedelta) -> None:
    start_ns, span_ns = int(start.timestamp() * 1e9), int(span.total_seconds() * 1e9)
    for offset in range(0, count, CHUNK):
        store.command(generate_sql(first + offset, min(CHUNK, count - offset), start_ns, span_ns))


def copy_ceiling(store, where: str, params: dict | None = None) -> float:
    """Seconds for the store to copy the calls `where` selects into a scratch copy of request_costs:
    the call columns only, no pricing, with the cost job's insert settings."""
    store.command("CREATE TABLE request_costs_probe AS request_costs")
    copy = ", ".join(q.PRICED_INPUT_COLUMNS)
    _, seconds = timed(lambda: store.command(
        f"INSERT INTO request_costs_probe ({copy}) SETTINGS {COST_INSERT_SETTINGS} SELECT {copy} FROM llm_calls {where}", params))
    store.command("DROP TABLE request_costs_probe SYNC")
    return seconds


def busy_hour(store, catalog, minutes: int, rate: int) -> None:
    """A past hour holding `minutes` minutes at `rate` calls/s, then one late minute in its last slice:
    the rollup job re-reads that slice; recomputing the hour whole (what it did before migration 13) is the
    comparison, timed on the same rows."""
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    generate(store, 100_000_000, minutes * 60 * rate, hour, timedelta(minutes=minutes))
    run_cost_job(store, catalog, datetime.now(timezone.utc), batch_limit=None, safety_delay=timedelta(0))
    run_rollup_job(store, datetime.now(timezone.utc), timedelta(0))
    generate(store, 200_000_000, 60 * rate, hour + timedelta(minutes=55), timedelta(minutes=1))
    run_cost_job(store, catalog, datetime.now(timezone.utc), batch_limit=None, safety_delay=timedelta(0))
    rolled, t_slice = timed(lambda: run_rollup_job(store, datetime.now(timezone.utc), timedelta(0)))
    whole = [hour + i * SLICE for i in range(SLICES_PER_HOUR)]
    _, t_whole = timed(lambda: roll_up(store, whole, datetime.now(timezone.utc)))
    calls = (minutes + 1) * 60 * rate
    print(f"BUSY HOUR: {calls:,} calls in one hour, one late minute in its last slice: the rollup job "
          f"({rolled['slices']} slice) {t_slice:.2f} s; the hour recomputed whole {t_whole:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rate", type=int, default=30_000)
    parser.add_argument("--busy-minutes", type=int, default=0,
                        help="also time the rollup of a past hour holding this many minutes at --rate")
    parser.add_argument("--dir")
    args = parser.parse_args()
    root = Path(args.dir or tempfile.mkdtemp(prefix="spyglass-bench-costs-"))
    store = ChdbStore(str(root / "data"))
    migrate(store)
    catalog = load_shipped()
    now = datetime.now(timezone.utc)
    _, t = timed(lambda: generate(store, 0, args.calls, now - timedelta(days=args.days, hours=1),
                                  timedelta(days=args.days)))
    print(f"generated {args.calls:,} llm_calls in {t:.1f} s")

    t_copy = copy_ceiling(store, "")
    print(f"ceiling: the store copies {args.calls:,} calls into a cost table in {t_copy:.2f} s "
          f"({args.calls / t_copy:,.0f}/s)")

    full_at = datetime.now(timezone.utc)
    result, t_full = timed(lambda: run_cost_job(store, catalog, full_at, batch_limit=None,
                                                safety_delay=timedelta(0)))
    print(f"FULL RUN: {result.rows:,} calls in {t_full:.2f} s = {result.rows / t_full:,.0f} calls/s "
          f"(target >= 1,000,000/s; {result.rows / t_full / (args.calls / t_copy):.0%} of the ceiling; "
          f"priced {result.priced:,}, unpriced {result.unpriced:,})")
    rolled, t_roll = timed(lambda: run_rollup_job(store, datetime.now(timezone.utc), timedelta(0)))
    print(f"rollup of {rolled['hours']} hours ({rolled['slices']} queued slices) in {t_roll:.2f} s")

    minute = args.rate * 60
    time.sleep(0.01)
    generate(store, args.calls, minute, datetime.now(timezone.utc) - timedelta(minutes=1), timedelta(minutes=1))
    t_copy = copy_ceiling(store, "WHERE ingested_at > {after:DateTime64(3, 'UTC')}", {"after": time_param(full_at, 3)})
    print(f"ceiling: the store copies that minute's {minute:,} calls into a cost table in {t_copy:.2f} s")
    inc_at = datetime.now(timezone.utc) + timedelta(milliseconds=5)
    result, t_inc = timed(lambda: run_cost_job(store, catalog, inc_at, safety_delay=timedelta(0)))
    print(f"INCREMENTAL RUN: {result.rows:,} calls (one minute at {args.rate:,}/s) in {t_inc:.2f} s "
          f"(target < 1 s)")
    rolled, t_roll = timed(lambda: run_rollup_job(store, datetime.now(timezone.utc), timedelta(0)))
    print(f"incremental rollup of {rolled['slices']} five-minute slices ({rolled['hours']} hours) in {t_roll:.2f} s")
    if args.busy_minutes:
        busy_hour(store, catalog, args.busy_minutes, args.rate)

    from fastapi.testclient import TestClient

    from spyglass.api import build_api
    from spyglass.api.context import ApiContext

    client = TestClient(build_api(ApiContext(store)))
    since = (now - timedelta(days=args.days, hours=1)).strftime("%Y-%m-%dT%H:00:00Z")
    rollup = store.query_arrow("SELECT count() AS n FROM cost_hourly").to_pylist()[0]["n"]
    print(f"rollup: cost_hourly {rollup:,} rows for {args.calls + minute:,} calls")
    # The service's compaction job: closed days merged to one part (FINAL then reads them as they are), today not.
    compact(store, datetime.now(timezone.utc).date())
    for by, users in (("model", "true"), ("model", "false"), ("team,feature", "true"), ("user", "true")):
        def call(by=by, users=users):
            response = client.get("/api/v1/costs/breakdown",
                                  params={"by": by, "since": since, "until": "now", "users": users})
            assert response.status_code == 200, response.text
        call()
        times = [timed(call)[1] for _ in range(5)]
        source = "cost rows (per-user)" if by == "user" else "hourly rollup"
        print(f"BREAKDOWN by={by} users={users} over {args.days} days from the {source}: "
              f"median {statistics.median(times) * 1000:.0f} ms (target < 200 ms)")
    store.close()
    if not args.dir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
