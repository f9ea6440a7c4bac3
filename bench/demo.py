"""The demo's backfill at start: how long `--days` of the fleet's history take to reach the store (issue 16 §2).

    .venv/bin/python bench/demo.py [--days 7] [--scale 1] [--seed 7] [--no-faults] [--dir DIR]

1. FIGURE: the backfill as `spyglass demo` runs it (demo/runner.py with the fault schedule, the agent-reporting
   GPU nodes, feedback), against a real `spyglass up` on DIR (a temporary directory by default), with its
   default settings; wall time from the first window to the last acknowledged one.
2. CEILINGS in the same run: generating the same plans alone (pure Python, no I/O), and the store insert alone:
   the `otel_traces` rows the backfill wrote, read back as Arrow and inserted into a copy of the table in one
   insert per 50,000 rows (what the collector's batcher does at best, without decoding or the view).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo import faults  # noqa: E402
from demo.traffic import traffic  # noqa: E402
from spyglass.cli.demo import open_fleet  # noqa: E402
from store import open_store  # noqa: E402
from tests.helpers.service_process import ServiceProcess  # noqa: E402

CHUNK = 50_000


def _insert_ceiling(data_dir: Path) -> tuple[int, float]:
    """Rows of otel_traces and the seconds inserting them again (into a copy) takes."""
    store = open_store(str(data_dir))
    try:
        store.command("CREATE TABLE otel_traces_copy AS otel_traces")
        table = store.query_arrow("SELECT * FROM otel_traces", {})
        began = time.monotonic()
        for start in range(0, table.num_rows, CHUNK):
            store.insert_arrow("otel_traces_copy", table.slice(start, CHUNK))
        return table.num_rows, time.monotonic() - began
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="spyglass-bench-demo-"))
    schedule = faults.SCHEDULE if args.faults else ()
    anchor = datetime.now(timezone.utc).replace(microsecond=0)
    start = anchor - timedelta(days=args.days)
    try:
        began = time.monotonic()
        plans = traffic(args.seed, anchor, start, anchor, args.scale, schedule=schedule)
        generation = time.monotonic() - began
        service = ServiceProcess(work / "data").start()
        try:
            fleet = open_fleet(service.otlp_http, service.api, args.seed, anchor, scale=args.scale, schedule=schedule)
            began = time.monotonic()
            try:
                fleet.runner.backfill(start, anchor)
            finally:
                fleet.close()
            backfill = time.monotonic() - began
        finally:
            service.stop()
        rows, insert = _insert_ceiling(work / "data")
        played = fleet.runner.played
        rounds = sum(node.rounds for node in fleet.gpu_nodes)
        print(f"backfill of {args.days:g} days (scale {args.scale:g}, faults {'on' if args.faults else 'off'}): "
              f"{played.traces} requests, {played.spans} spans, {played.feedback} feedback, {rounds} GPU sample "
              f"rounds in {backfill:.1f} s ({played.spans / backfill:,.0f} spans/s)")
        print(f"ceiling, generation alone: {len(plans)} requests planned in {generation:.1f} s")
        print(f"ceiling, store insert alone: {rows} otel_traces rows in {insert:.1f} s ({rows / insert:,.0f} rows/s)")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
