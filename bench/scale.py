"""Scale benchmark (issue 19 §3): the dashboard's reads over N calls in 30 days, and the rollup jobs under ingest.

    .venv/bin/python bench/scale.py [--calls 100000000] [--days 30] [--runs 5] [--rate 30000] [--ingest-seconds 60]
        [--rollup-jobs cost-rollup] [--dir DIR] [--skip-ingest]

1. GENERATE, in this process, a store on DIR/data: `--calls` LLM calls (two per trace) and their four spans per
   trace over `--days` days ending a minute ago, in SQL inside the store (bench/traces.py's generator); then the
   cost job prices every call (pipelines/costs/job.py, no batch limit, in the store) and the cost rollup job rolls
   up every slice it queued, and the closed days are compacted (store/maintenance.py): the cost rows, rollups
   and parts the service would have made of the month.
2. RAW: the questions the endpoints answer, as plain SQL over the raw tables (`llm_calls FINAL`,
   `request_costs FINAL`, `otel_traces`), timed here before the service starts (chDB: one process per data
   directory), so with no jobs running: the comparison.
3. API: `spyglass up` on DIR/data (a real service, every role: its jobs run, compaction every minute); once its
   jobs have digested what a first start finds (no job running for five seconds) and compaction has merged the
   closed days they wrote again (two of its runs later), every call the Overview, Costs, Models and Requests pages
   make through client/api.py (as dashboard/views/* make them) for `--days` days and for one day: the median of
   `--runs` after a warm-up, each. Targets: 30 days under 500 ms, one day under 200 ms.
4. INGEST: `--rate` calls/s for `--ingest-seconds` through OTLP/HTTP protobuf (bench/ingest.py's request bodies,
   stamped in the last hour), paced, while /readyz is polled every half second. For every job named in
   `--rollup-jobs` (comma-separated scheduler job names; give the per-minute rollup job's name once it exists):
   how far behind it is (now minus the `watermark` its last run returned, as pipelines/costs/rollup_job.py returns
   it; without one, since its last run started) and the share of wall time it was running, an upper bound of its
   share of the cores (it cannot use more than all of them while it runs). The service's CPU in the same window.
   Targets: no more than a minute behind at 30,000 calls/s, under 10 % of the cores.
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from bench import traces  # noqa: E402
from bench.ingest import Bodies, build_template  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from client.api import ApiClient, Query  # noqa: E402
from pipelines.costs.catalog import load_shipped  # noqa: E402
from pipelines.costs.job import run_cost_job  # noqa: E402
from pipelines.costs.rollup_job import run_rollup_job  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import Store, open_store  # noqa: E402
from store.maintenance import compact  # noqa: E402
from tests.helpers.service_process import ServiceProcess  # noqa: E402

_RANGE = "timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}"
# The raw-table twins of the endpoints' questions: what each would cost without rollups.
RAW = {
    "summary": f"""SELECT model, count() AS calls, countIf(status = 'error') AS errors, sum(input_tokens) AS input,
        sum(output_tokens) AS output, quantiles(0.5, 0.95, 0.99)(duration_ns) AS latency, uniq(user_id) AS users
        FROM llm_calls FINAL WHERE {_RANGE} GROUP BY model WITH TOTALS""",
    "timeseries by=model": f"""SELECT toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}})) AS t, model,
        count() AS calls, countIf(status = 'error') AS errors, quantile(0.95)(duration_ns) AS p95
        FROM llm_calls FINAL WHERE {_RANGE} GROUP BY t, model""",
    "filters": f"""SELECT groupUniqArray(project), groupUniqArray(service_name), groupUniqArray(model),
        groupUniqArray(environment), groupUniqArray(team), groupUniqArray(feature) FROM llm_calls WHERE {_RANGE}""",
    "costs/breakdown by=model": f"""SELECT model, sum(cost_total) AS cost, count() AS calls,
        sum(input_tokens + output_tokens) AS tokens FROM request_costs FINAL WHERE {_RANGE} GROUP BY model""",
    "costs/breakdown by=provider users": f"""SELECT provider, sum(cost_total) AS cost, count() AS calls,
        uniqExact(user_id) AS users FROM request_costs FINAL WHERE {_RANGE} GROUP BY provider""",
    "costs/breakdown by=model,provider": f"""SELECT model, provider, sum(cost_total) AS cost, count() AS calls
        FROM request_costs FINAL WHERE {_RANGE} GROUP BY model, provider""",
    "costs/timeseries by=model": f"""SELECT toStartOfInterval(timestamp, toIntervalSecond({{step:UInt32}})) AS t,
        model, sum(cost_total) AS cost FROM request_costs FINAL WHERE {_RANGE} GROUP BY t, model""",
    "traces sort=time": traces.LIST_CEILING,
}


def ranges(end: datetime, days: int) -> dict[str, tuple[datetime, datetime]]:
    return {f"{days} days": (end - timedelta(days=days), end), "1 day": (end - timedelta(days=1), end)}


def generate(data: Path, calls: int, days: int, end: datetime) -> Store:
    store = open_store(str(data), None, "spyglass")
    migrate(store)
    t0 = time.perf_counter()
    traces.generate(store, calls, days, max(1, calls // 2_000_000), end, costs=False)
    t1 = time.perf_counter()
    priced = run_cost_job(store, load_shipped(), datetime.now(timezone.utc), batch_limit=None,
                          safety_delay=timedelta(0))
    t2 = time.perf_counter()
    rolled = run_rollup_job(store, datetime.now(timezone.utc), timedelta(0))
    t3 = time.perf_counter()
    compact(store, datetime.now(timezone.utc).date())  # the service's compaction job: closed days to one part each
    print(f"generated {calls:,} calls and {calls * 2:,} spans in {t1 - t0:.0f} s; priced {priced.rows:,} in "
          f"{t2 - t1:.0f} s; rolled up {rolled['hours']} hours in {t3 - t2:.0f} s; compacted the closed days in "
          f"{time.perf_counter() - t3:.0f} s", flush=True)
    return store


def raw_times(store: Store, end: datetime, days: int, runs: int) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for label, (since, until) in ranges(end, days).items():
        params = {"since": since.strftime("%Y-%m-%d %H:%M:%S"), "until": until.strftime("%Y-%m-%d %H:%M:%S"),
                  "step": 3600 if label != "1 day" else 300}
        for name, sql in RAW.items():
            out[(name, label)] = median_ms(lambda sql=sql, params=params: store.query_arrow(sql, params), runs)
    return out


def page_calls(api: ApiClient, query: Query, before: Query) -> dict[str, Callable[[], Any]]:
    """Every read the four pages make (dashboard/views/overview.py, costs.py, models.py, requests.py), once each."""
    trace_id = api.traces(query, limit=1).rows[0].trace_id
    return {
        "summary": lambda: api.summary(query),
        "summary, previous period": lambda: api.summary(before),
        "timeseries by=model": lambda: api.timeseries(query, by="model"),
        "filters": lambda: api.filters(since=query.since, until=query.until),
        "costs/breakdown by=model": lambda: api.cost_breakdown(query, "model"),
        "costs/breakdown by=model, previous period": lambda: api.cost_breakdown(before, "model"),
        "costs/breakdown by=provider users": lambda: api.cost_breakdown(query, "provider", users=True),
        "costs/breakdown by=model,provider": lambda: api.cost_breakdown(query, "model,provider"),
        "costs/breakdown by=team (drill-down)": lambda: api.cost_breakdown(query, "team"),
        "costs/timeseries by=model": lambda: api.cost_timeseries(query, "model"),
        "costs/catalog": api.cost_catalog,
        "budgets": api.budgets,
        "gpu/costs": lambda: api.gpu_costs(query),
        "costs/unpriced": lambda: api.cost_unpriced(query),
        "quality/cost by=model": lambda: api.quality_cost(query, "model"),
        "traces sort=time": lambda: api.traces(query, sort="time", limit=25),
        "trace (one)": lambda: api.trace(trace_id),
    }


def api_times(api: ApiClient, end: datetime, days: int, runs: int) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for label, (since, until) in ranges(end, days).items():
        width = until - since
        query, before = Query(since.isoformat(), until.isoformat()), Query((since - width).isoformat(), since.isoformat())
        for name, call in page_calls(api, query, before).items():
            out[(name, label)] = median_ms(call, runs)
    return out


def report(api: dict[tuple[str, str], float], raw: dict[tuple[str, str], float], days: int) -> None:
    labels = list(ranges(datetime.now(timezone.utc), days))
    print(f"\n| endpoint | {labels[0]} API ms | raw tables ms | {labels[1]} API ms | raw tables ms |")
    print("|---|---:|---:|---:|---:|")
    for name in dict.fromkeys(n for n, _ in api):
        cells = [f"{api[(name, label)]:.0f} | {raw[(name, label)]:.0f}" if (name, label) in raw
                 else f"{api[(name, label)]:.0f} | –" for label in labels]
        print(f"| {name} | {' | '.join(cells)} |")
    slowest = {label: max(ms for (_, lab), ms in api.items() if lab == label) for label in labels}
    print(f"\nslowest: {labels[0]} {slowest[labels[0]]:.0f} ms (target < 500), {labels[1]} {slowest[labels[1]]:.0f} ms "
          "(target < 200)", flush=True)


class JobWatch(threading.Thread):
    """Polls /readyz: each named job's runs (wall seconds each) and how far behind its watermark is."""

    def __init__(self, api: str, jobs: list[str]) -> None:
        super().__init__(daemon=True)
        self.api, self.jobs = api, jobs
        self.busy = dict.fromkeys(jobs, 0.0)
        self.lag: dict[str, list[float]] = {job: [] for job in jobs}
        self._runs: dict[str, int] = {}
        self._halt = threading.Event()

    def poll(self) -> None:
        states = httpx.get(f"{self.api}/readyz", timeout=10).json().get("jobs", {})
        now = datetime.now(timezone.utc)
        for job in self.jobs:
            state = states.get(job)
            if state is None or not state.get("last_run"):
                continue
            runs = state["runs"]
            if runs > self._runs.get(job, runs):
                self.busy[job] += state["last_seconds"] or 0.0
            self._runs[job] = runs
            result = state.get("last_result")
            mark = result.get("watermark") if isinstance(result, dict) else None
            self.lag[job].append((now - datetime.fromisoformat(mark or state["last_run"])).total_seconds())

    def run(self) -> None:
        while not self._halt.wait(0.5):
            self.poll()

    def stop(self) -> None:
        self._halt.set()
        self.join()


def paced_ingest(otlp_http: str, rate: int, seconds: float, spans: int = 512, clients: int = 8) -> tuple[int, float]:
    """Send `rate` calls/s for `seconds` (requests of `spans` calls, due on a fixed schedule, none started after
    `seconds`); returns the calls acknowledged and the wall seconds taken: below `rate` when the service cannot
    keep up, the highest rate it sustains on this machine."""
    rng = random.Random(11)
    templates = [build_template(rng, spans, 0.02, time.time_ns()) for _ in range(8)]
    factory, interval = Bodies(templates, 11), spans / rate
    total = int(rate * seconds / spans)
    host, port = otlp_http.removeprefix("http://").split(":")
    counter, lock, sent = iter(range(total)), threading.Lock(), [0]
    start = time.monotonic()

    def worker() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        while True:
            with lock:
                i = next(counter, None)
            if i is None or time.monotonic() - start >= seconds:
                break
            body, count, _ = factory.make(i)
            time.sleep(max(0.0, start + i * interval - time.monotonic()))
            conn.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                with lock:
                    sent[0] += count
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent[0], time.monotonic() - start


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of the service and its children (the decode workers) so far."""
    total = 0.0
    for process in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def wait_settled(api: str, timeout: float) -> float:
    """Seconds until no job has been running for five polls in a row: a first start digests the month it finds
    (heuristics, changes, compaction of closed days, ...), which is not the steady state the pages are timed in."""
    start, quiet = time.monotonic(), 0
    while quiet < 5 and time.monotonic() - start < timeout:
        states = httpx.get(f"{api}/readyz", timeout=10).json().get("jobs", {})
        quiet = 0 if any(state.get("running") for state in states.values()) else quiet + 1
        time.sleep(1)
    return time.monotonic() - start


def wait_compacted(api: str, timeout: float) -> float:
    """Seconds until the compaction job has finished a run that started after this call: the first start's jobs
    (the call and operation rollups' backfill, the trace summaries) write every closed day again, and a reader's
    FINAL merges a day's parts until compaction has made them one, which it does within its interval of a write."""
    start = time.monotonic()
    runs = httpx.get(f"{api}/readyz", timeout=10).json()["jobs"]["compaction"]["runs"]
    while time.monotonic() - start < timeout:
        state = httpx.get(f"{api}/readyz", timeout=10).json()["jobs"]["compaction"]
        if state["runs"] >= runs + 2 and not state["running"]:  # the run under way at the call may have begun before
            break
        time.sleep(1)
    return time.monotonic() - start


def ingest_phase(service: ServiceProcess, rate: int, seconds: float, jobs: list[str]) -> None:
    watch = JobWatch(service.api, jobs)
    cpu0, t0 = _cpu_seconds(service.process.pid), time.monotonic()
    watch.start()
    calls, took = paced_ingest(service.otlp_http, rate, seconds)
    time.sleep(30)  # the jobs catch up on the last requests
    watch.stop()
    wall = time.monotonic() - t0
    cores = (_cpu_seconds(service.process.pid) - cpu0) / wall
    print(f"\nINGEST: {calls:,} calls acknowledged in {took:.1f} s ({calls / took:,.0f}/s, asked {rate:,}/s); "
          f"service CPU {cores:.2f} of {psutil.cpu_count()} cores over {wall:.0f} s (ingest + 30 s after)")
    for job in jobs:
        lags = watch.lag[job]
        if not lags:
            print(f"job {job}: no runs seen (is it the scheduler's name for it?)")
            continue
        print(f"job {job}: behind by at most {max(lags):.0f} s (median {statistics.median(lags):.0f} s); running "
              f"{watch.busy[job]:.1f} s of {wall:.0f} s = {watch.busy[job] / wall:.1%} of wall time (<= that share "
              "of the cores; target < 10 %)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=100_000_000, help="LLM calls (two per trace)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=int, default=30_000, help="calls/s sent in the ingest phase")
    parser.add_argument("--ingest-seconds", type=float, default=60)
    parser.add_argument("--rollup-jobs", default="cost-rollup",
                        help="scheduler job names whose lag and share of time are reported (comma-separated)")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--dir", help="work directory, kept (default: a temporary one, removed)")
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="spyglass-bench-scale-"))
    end = (datetime.now(timezone.utc) - timedelta(minutes=1)).replace(microsecond=0)
    store = generate(work / "data", args.calls, args.days, end)
    raw = raw_times(store, end, args.days, args.runs)
    store.close()
    # Compaction every minute instead of ten, so the steady state (closed days in one part) comes sooner.
    service = ServiceProcess(work / "data", env={"SPYGLASS_MAINTENANCE__COMPACTION_INTERVAL_SECONDS": "60"})
    try:
        service.start(timeout=600)
        print(f"the service's jobs settled {wait_settled(service.api, 1800):.0f} s after its start; closed days "
              f"compacted {wait_compacted(service.api, 1800):.0f} s later", flush=True)
        with ApiClient(service.api, timeout=300) as api:
            report(api_times(api, end, args.days, args.runs), raw, args.days)
        if not args.skip_ingest:
            ingest_phase(service, args.rate, args.ingest_seconds, [j for j in args.rollup_jobs.split(",") if j])
        service.stop(timeout=300)
    finally:
        service.kill()
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
