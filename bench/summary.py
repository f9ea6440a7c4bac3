"""Summary-query benchmark: GET /api/v1/summary over 10 million llm_calls rows, through the real service.

    .venv/bin/python bench/summary.py [--rows 10000000] [--days 30] [--runs 5] [--dir DIR]

1. Generates the rows in a child process (`bench/summary.py --generate DIR`): a store on
   DIR with the migrations applied, then INSERT INTO llm_calls ... SELECT FROM numbers()
   in `--chunks` inserts. Rows are spread uniformly at random over `--days` days ending
   now, so every insert writes a part into every daily partition, the way a live
   collector leaves partitions with several parts. Eight services, eight models of five
   providers, seven teams, ~1% errors, log-normal token counts, latency that grows with
   output tokens. The child closes the store and exits: the service must own the directory.
2. Starts `spyglass up` on DIR and times GET /api/v1/summary (HTTP round trip, JSON
   included): the full range, the full range filtered to one service, the last day.
   One warm-up, then the median of `--runs` runs on one keep-alive connection and of
   `--runs` runs each on a fresh connection.
3. Does that in three states of the table:
   - "as inserted (no scheduler)": straight after generation, the service started with
     `--roles collector,api` so that its compaction job does not run;
   - "compacted by the service" (the headline: what a running Spyglass serves): the
     service with every role; timing starts once its compaction job (store/maintenance.py,
     at start and every 10 minutes) has merged each closed day to one part;
   - "OPTIMIZE FINAL": OPTIMIZE TABLE llm_calls FINAL (today's partition merged too), for
     comparison.
4. In each state, times the same SQL in-process in a child process (with and without
   FINAL, and a variant), to separate the store's time from the API's (--no-explain skips).
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# (service, team, share %)
SERVICES = [("chat-api", "consumer", 30), ("support-bot", "support", 18), ("search-rag", "search", 15),
            ("code-assist", "devtools", 12), ("summarizer", "docs", 9), ("agent-runner", "platform", 8),
            ("email-drafts", "growth", 5), ("batch-embedder", "search", 3)]
# (provider, request model, response model, operation, share %)
MODELS = [("openai", "gpt-4o", "gpt-4o-2024-08-06", "chat", 18),
          ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chat", 30),
          ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "chat", 14),
          ("anthropic", "claude-haiku-4-5", "claude-haiku-4-5-20251001", "chat", 8),
          ("gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash", "generate_content", 8),
          ("aws.bedrock", "meta.llama3-1-70b-instruct-v1:0", "meta.llama3-1-70b-instruct-v1:0", "chat", 4),
          ("openai", "text-embedding-3-small", "text-embedding-3-small", "embeddings", 15),
          ("mistral_ai", "mistral-large-latest", "mistral-large-2411", "chat", 3)]
FEATURES = ["answer", "followup", "classify", "extract", "rerank-context", "draft-reply", "autocomplete",
            "summarize-thread", "tool-plan", "embed-docs", "translate", "moderate"]
ERROR_TYPES = ["RateLimitError", "APITimeoutError", "InternalServerError", "BadRequestError"]


def _arr(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "\\'") + "'" for v in values) + "]"


def _weighted(shares: list[int]) -> str:
    """A 1-based index array of 100 entries: element i appears shares[i] times."""
    assert sum(shares) == 100
    return "[" + ", ".join(str(i + 1) for i, s in enumerate(shares) for _ in range(s)) + "]"


def generate_sql(first: int, count: int, start_ns: int, span_ns: int) -> str:
    """INSERT ... SELECT of rows `first` .. `first + count - 1`, deterministic in the row number."""
    u = "(cityHash64(n, {k}) % 1000000 + 0.5) / 1000000"  # uniform (0, 1) from a hash
    def uni(k: int) -> str:
        return u.format(k=k)
    def normal(k: int) -> str:  # Box-Muller
        return f"sqrt(-2 * log({uni(k)})) * cos(2 * pi() * {uni(k + 1)})"
    def hex_id(k: int) -> str:
        return f"leftPad(lower(hex(cityHash64(n, {k}))), 16, '0')"
    return f"""
INSERT INTO llm_calls (timestamp, trace_id, span_id, parent_span_id, span_name, project, service_name, environment,
    operation, provider, request_model, response_model, input_tokens, output_tokens, cache_read_tokens,
    cache_write_tokens, reasoning_tokens, usage_reported, duration_ns, ttft_ns, status, error_type,
    finish_reasons, team, feature, user_id, session_id, host_name, response_id)
SELECT
    fromUnixTimestamp64Nano(toInt64({start_ns} + cityHash64(n, 1) % {span_ns}), 'UTC') AS timestamp,
    concat({hex_id(2)}, {hex_id(3)}) AS trace_id,
    {hex_id(4)} AS span_id,
    if(cityHash64(n, 5) % 10 < 4, {hex_id(6)}, '') AS parent_span_id,
    concat(operation, ' ', request_model) AS span_name,
    if(cityHash64(n, 7) % 100 < 85, 'default', 'research') AS project,
    {_arr(s[0] for s in SERVICES)}[si] AS service_name,
    if(cityHash64(n, 8) % 100 < 92, 'production', 'staging') AS environment,
    {_arr(m[3] for m in MODELS)}[mi] AS operation,
    {_arr(m[0] for m in MODELS)}[mi] AS provider,
    {_arr(m[1] for m in MODELS)}[mi] AS request_model,
    if(failed, '', {_arr(m[2] for m in MODELS)}[mi]) AS response_model,
    if(failed, 0, least(toInt64(exp(6.3 + 1.0 * {normal(10)})) + 1, 200000)) AS input_tokens,
    if(failed OR operation = 'embeddings', 0, least(toInt64(exp(5.0 + 0.8 * {normal(12)})) + 1, 16000))
        AS output_tokens,
    if({uni(14)} < 0.35, toInt64(input_tokens * (0.2 + 0.7 * {uni(15)})), 0) AS cache_read_tokens,
    if(provider = 'anthropic' AND {uni(16)} < 0.05, toInt64(input_tokens * 0.5), 0) AS cache_write_tokens,
    0 AS reasoning_tokens,
    NOT failed AS usage_reported,
    toUInt64((if(operation = 'embeddings', 0.08, 0.35 + output_tokens * 0.012)) * (0.7 + 1.1 * {uni(17)}) * 1e9)
        AS duration_ns,
    if(operation IN ('chat', 'generate_content') AND NOT failed, toUInt64(duration_ns * (0.05 + 0.2 * {uni(18)})),
       NULL) AS ttft_ns,
    if(failed, 'error', 'ok') AS status,
    if(failed, {_arr(ERROR_TYPES)}[1 + cityHash64(n, 19) % {len(ERROR_TYPES)}], '') AS error_type,
    if(failed OR operation = 'embeddings', CAST([], 'Array(String)'),
       [multiIf({uni(20)} < 0.9, 'stop', {uni(20)} < 0.95, 'tool_calls', 'length')]) AS finish_reasons,
    {_arr(s[1] for s in SERVICES)}[si] AS team,
    {_arr(FEATURES)}[1 + cityHash64(n, 21) % {len(FEATURES)}] AS feature,
    concat('user-', toString(cityHash64(n, 22) % 50000)) AS user_id,
    concat('sess-', toString(cityHash64(n, 23) % 2000000)) AS session_id,
    concat(service_name, '-', toString(cityHash64(n, 24) % 12)) AS host_name,
    if(failed, '', concat('chatcmpl-', {hex_id(25)})) AS response_id
FROM (
    SELECT number AS n,
        {_weighted([s[2] for s in SERVICES])}[1 + cityHash64(number, 30) % 100] AS si,
        {_weighted([m[4] for m in MODELS])}[1 + cityHash64(number, 31) % 100] AS mi,
        cityHash64(number, 32) % 1000 < 10 AS failed
    FROM numbers({first}, {count})
)"""


# ----------------------------------------------------------------------------- child-process modes


def _open(data_dir: str):
    from store.chdb_backend import ChdbStore

    return ChdbStore(data_dir)


def parts(store) -> dict:
    row = store.query_arrow("""
SELECT count() AS parts, uniqExact(partition) AS partitions, sum(rows) AS rows,
    round(sum(bytes_on_disk) / 1048576) AS mib, max(level) AS max_level
FROM system.parts WHERE database = currentDatabase() AND table = 'llm_calls' AND active""").to_pylist()[0]
    return row


def merges_running(store) -> int:
    return store.query_arrow("SELECT count() AS n FROM system.merges WHERE database = currentDatabase()"
                             ).to_pylist()[0]["n"]


def cmd_generate(args: argparse.Namespace) -> dict:
    from spyglass.schema import migrate

    store = _open(args.generate)
    try:
        migrate(store)
        end_ns = args.end_ns
        span_ns = args.days * 86400 * 10**9
        start_ns = end_ns - span_ns
        chunk = -(-args.rows // args.chunks)
        t0 = time.perf_counter()
        for first in range(0, args.rows, chunk):
            store.command(generate_sql(first, min(chunk, args.rows - first), start_ns, span_ns))
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "rows_per_s": args.rows / seconds, **parts(store),
                "merges_running_at_close": merges_running(store)}
    finally:
        store.close()


def cmd_parts(args: argparse.Namespace) -> dict:
    store = _open(args.parts)
    try:
        return parts(store)
    finally:
        store.close()


def cmd_optimize(args: argparse.Namespace) -> dict:
    store = _open(args.optimize)
    try:
        t0 = time.perf_counter()
        store.command("OPTIMIZE TABLE llm_calls FINAL")
        return {"seconds": time.perf_counter() - t0, **parts(store)}
    finally:
        store.close()


class _Recorder:
    """A store that records the SQL it is asked to run (to time exactly what the API runs)."""

    def __init__(self, store) -> None:
        self.store = store
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, name: str):
        return getattr(self.store, name)

    def query_arrow(self, sql: str, params=None):
        self.calls.append((sql, params))
        return self.store.query_arrow(sql, params)


def cmd_explain(args: argparse.Namespace) -> dict:
    """The summary's SQL in-process, with and without FINAL (median of runs), full range."""
    from store import queries

    store = _open(args.explain)
    try:
        end = datetime.fromtimestamp(args.end_ns / 1e9, timezone.utc) + timedelta(seconds=1)
        filters = queries.Filters(end - timedelta(days=args.days, seconds=1), end)
        recorder = _Recorder(store)
        queries.summary(recorder, filters)
        sql, params = recorder.calls[-1]
        where, _ = filters.where()
        model = "if(request_model != '', request_model, response_model) AS model"
        variants = {
            "FINAL (as the API)": sql,
            "no FINAL": sql.replace("FROM llm_calls FINAL", "FROM llm_calls"),
            "FINAL, GROUP BY ROLLUP(request_model)": sql.replace(model, "request_model AS model"),
            "FINAL, count() only": f"SELECT count() FROM llm_calls FINAL WHERE {where}",
            "no FINAL, count() only": f"SELECT count() FROM llm_calls WHERE {where}",
        }
        if model not in sql:
            del variants["FINAL, GROUP BY ROLLUP(request_model)"]
        out = {}
        for name, text in variants.items():
            store.query_arrow(text, params)
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                store.query_arrow(text, params)
                times.append(time.perf_counter() - t0)
            out[name] = round(statistics.median(times) * 1e3, 1)
        return out
    finally:
        store.close()


def child(mode: str, data_dir: Path, *extra: str) -> dict:
    out = subprocess.run([sys.executable, __file__, f"--{mode}", str(data_dir), *extra], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the benchmark


def _get(conn: http.client.HTTPConnection, path: str) -> bytes:
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:500]!r}")
    return body


def time_summary(api: str, params: dict, runs: int) -> dict:
    """One warm-up, then `runs` timed GETs on one keep-alive connection (as the dashboard's client
    does) and `runs` GETs each on a fresh connection (the first response on a connection does not
    meet the Nagle/delayed-ACK stall; see docs/benchmarks.md)."""
    host, port = api.removeprefix("http://").split(":")
    path = "/api/v1/summary?" + urllib.parse.urlencode(params)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    t0 = time.perf_counter()
    body = json.loads(_get(conn, path))
    first = time.perf_counter() - t0
    keep = []
    for _ in range(runs):
        t0 = time.perf_counter()
        _get(conn, path)
        keep.append(time.perf_counter() - t0)
    conn.close()
    fresh = []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        _get(conn, path)
        fresh.append(time.perf_counter() - t0)
        conn.close()
    return {"median_ms": statistics.median(keep) * 1e3, "min_ms": min(keep) * 1e3, "max_ms": max(keep) * 1e3,
            "fresh_median_ms": statistics.median(fresh) * 1e3, "fresh_min_ms": min(fresh) * 1e3,
            "first_ms": first * 1e3, "requests": body["overall"]["requests"], "errors": body["overall"]["errors"]}


def measure_state(data_dir: Path, end_ns: int, days: int, runs: int, roles: str) -> dict:
    from tests.helpers.service_process import ServiceProcess

    end = datetime.fromtimestamp(end_ns / 1e9, timezone.utc) + timedelta(seconds=1)

    def rfc(value: datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")

    cases = {
        f"{days}-day range": {"since": rfc(end - timedelta(days=days, seconds=1)), "until": rfc(end)},
        f"{days}-day range, service=chat-api": {"since": rfc(end - timedelta(days=days, seconds=1)),
                                                 "until": rfc(end), "service": "chat-api"},
        "1-day range": {"since": rfc(end - timedelta(days=1)), "until": rfc(end)},
    }
    service = ServiceProcess(data_dir, extra_args=["--roles", roles])
    out: dict = {}
    try:
        t0 = time.perf_counter()
        service.start(timeout=180)
        out["start_s"] = time.perf_counter() - t0
        if "scheduler" in roles:  # the service compacts closed days at start, then every 10 minutes
            out["compaction_s"] = wait_for_compaction(service.api)
            print(f"    the service's compaction job ran in {out['compaction_s']:.1f}s", flush=True)
        for name, params in cases.items():
            result = time_summary(service.api, params, runs)
            out[name] = result
            print(f"    {name:38s} keep-alive median {result['median_ms']:7.1f} ms (min {result['min_ms']:.1f}, "
                  f"max {result['max_ms']:.1f}); fresh connection median {result['fresh_median_ms']:7.1f} ms; "
                  f"first {result['first_ms']:.1f} ms; {result['requests']:,} rows", flush=True)
    finally:
        if service.process and service.process.poll() is None:
            service.stop()
    return out


def wait_for_compaction(api: str, timeout: float = 600) -> float:
    """Wait for the service's first compaction run; returns how long that run took."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(*api.removeprefix("http://").split(":"), timeout=30)
        conn.request("GET", "/readyz")
        job = json.loads(conn.getresponse().read()).get("jobs", {}).get("compaction", {})
        conn.close()
        if job.get("runs"):
            return job["last_seconds"]
        time.sleep(0.5)
    raise SystemExit("the compaction job did not run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--chunks", type=int, default=10, help="inserts the rows are generated in (default 10)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query after one warm-up (default 5)")
    parser.add_argument("--dir", help="data directory (default: a temp dir, removed at the end)")
    parser.add_argument("--no-explain", dest="explain_sql", action="store_false",
                        help="skip the in-process SQL timings")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--end-ns", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--optimize", help=argparse.SUPPRESS)
    parser.add_argument("--parts", help=argparse.SUPPRESS)
    parser.add_argument("--explain", help=argparse.SUPPRESS)
    args = parser.parse_args()

    for mode in ("generate", "parts", "optimize", "explain"):
        if getattr(args, mode):
            print(json.dumps(globals()[f"cmd_{mode}"](args)))
            return 0

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="spyglass-bench-summary-"))
    data_dir = work / "data"
    if data_dir.exists():
        raise SystemExit(f"{data_dir} exists; give an empty --dir")
    end_ns = time.time_ns() - 60 * 10**9
    common = ["--end-ns", str(end_ns), "--days", str(args.days), "--runs", str(args.runs)]
    results: dict = {"rows": args.rows, "days": args.days, "runs": args.runs}
    try:
        print(f"generating {args.rows:,} llm_calls rows over {args.days} days in {args.chunks} inserts ...",
              flush=True)
        gen = child("generate", data_dir, *common, "--rows", str(args.rows), "--chunks", str(args.chunks))
        results["generate"] = gen
        print(f"  {gen['rows']:,} rows in {gen['seconds']:.1f}s ({gen['rows_per_s']:,.0f} rows/s); "
              f"{gen['parts']} parts in {gen['partitions']} partitions, {gen['mib']:.0f} MiB; "
              f"{gen['merges_running_at_close']} merges running at close", flush=True)

        states = [("as inserted (no scheduler)", "collector,api"),
                  ("compacted by the service", "collector,api,scheduler"),
                  ("OPTIMIZE FINAL", "optimize")]
        for label, mode in states:
            state = results.setdefault("states", {}).setdefault(label, {})
            if mode == "optimize":
                info = child("optimize", data_dir)
                print(f"  OPTIMIZE TABLE llm_calls FINAL: {info['seconds']:.1f}s -> {info['parts']} parts",
                      flush=True)
                state["optimize_s"] = info["seconds"]
            print(f"  [{label}] GET /api/v1/summary through the service:", flush=True)
            state["api"] = measure_state(data_dir, end_ns, args.days, args.runs,
                                         "collector,api,scheduler" if mode == "optimize" else mode)
            state["parts"] = child("parts", data_dir)
            print(f"  parts after that service run: {state['parts']['parts']}", flush=True)
            if args.explain_sql:
                sql = child("explain", data_dir, *common)
                results["states"][label]["sql_in_process_ms"] = sql
                print("  in-process SQL, median ms: " + ", ".join(f"{k} {v}" for k, v in sql.items()), flush=True)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)

    key = f"{args.days}-day range"
    cases = (key, f"{key}, service=chat-api", "1-day range")
    print("\nmedian of GET /api/v1/summary, keep-alive connection / fresh connection per request:")
    print("\n| state | parts | " + " | ".join(cases) + " |")
    print("|---|---|---|---|---|")
    for label, state in results["states"].items():
        api = state["api"]
        print(f"| {label} | {state['parts']['parts']} | "
              + " | ".join(f"{api[k]['median_ms']:.0f} / {api[k]['fresh_median_ms']:.0f} ms" for k in cases) + " |")
    head = results["states"]["compacted by the service"]["api"][key]["median_ms"]
    print(f"\nheadline (compacted by the service, keep-alive, {key}): {head:.0f} ms; target < 300 ms: "
          f"{'met' if head < 300 else 'MISSED'}")
    ok = all(state["api"][key]["requests"] == args.rows for state in results["states"].values())
    print(f"\nrow count through the API equals {args.rows:,} in every state: {'yes' if ok else 'NO'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
