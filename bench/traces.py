"""Trace explorer benchmark: GET /api/v1/traces for a day and GET /api/v1/traces/{id} over 10 million `llm_calls`
and their spans (issue 16 §1).

    .venv/bin/python bench/traces.py [--rows 10000000] [--days 30] [--runs 5] [--dir DIR] [--reuse]

1. A store on DIR (a temporary directory by default) with the migrations applied; generated in SQL (INSERT ...
   SELECT FROM numbers()) in `--chunks` inserts: `--rows` LLM calls, two per trace (an embeddings call, then a
   chat call), spread at random over `--days` days ending a minute ago; per trace, four spans in `otel_traces`
   (the root, a retrieval span, the two calls); eight services, seven chat models, ~1 % errors. Every call has
   a cost row (request_costs: exact Decimal, by its tokens), except the self-hosted model's (5 % of chats), whose
   calls are priced by GPU time (request_gpu_costs, one GPU cost run per hour).
2. FIGURES, through the API application (routing, validation, the queries, the wire models, JSON; in process,
   no network): the trace list for the last day sorted by time, cost and duration, filtered to one service,
   and its second page (a cursor); one trace by id (the median over `--runs` different traces). Each the median
   of `--runs` after a warm-up. Targets: the list under 500 ms, one trace under 200 ms.
   The list reads `trace_summaries`: the trace summary job runs over everything first (its cost per 1 M calls is
   reported), as the service's scheduler does as calls are priced.
3. COMPARISON: the day's list computed from the calls (what the list read before the summary: the day's calls
   joined with their cost rows, grouped by trace, the root spans joined), sorted by cost.
4. CEILINGS in the same run: the day's calls grouped by trace from `llm_calls` alone (no cost join, no root
   spans), and one trace's spans from `otel_traces` alone.
5. The same after OPTIMIZE FINAL (what the service's compaction leaves of closed days).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from bench.timing import median_ms  # noqa: E402
from pipelines.traces.summary_job import run_trace_summary_job  # noqa: E402
from spyglass.api import build_api  # noqa: E402
from spyglass.api.context import ApiContext  # noqa: E402
from spyglass.schema import migrate  # noqa: E402
from store import open_store  # noqa: E402
from store.base import Store  # noqa: E402
from store.params import time_param  # noqa: E402
from store.queries import cost_rollup, trace_rows, watermarks  # noqa: E402

SERVICES = ["chat-api", "support-bot", "search-rag", "code-assist", "summarizer", "agent-runner", "email-drafts",
            "batch-embedder"]
CHAT = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-flash", "mistral-large-latest",
        "llama-3.1-70b"]  # the last is self-hosted (vLLM), priced by GPU time
PROVIDERS = ["openai", "openai", "anthropic", "anthropic", "gcp.gemini", "mistral_ai", "vllm"]
SHARES = [25, 30, 15, 10, 10, 5, 5]
_PICK = "[" + ", ".join(str(i + 1) for i, share in enumerate(SHARES) for _ in range(share)) + "]"


def _arr(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _hex(expr: str, k: int) -> str:
    return f"leftPad(lower(hex(cityHash64({expr}, {k}))), 16, '0')"


# Per trace t: start, service, chat model index, chat duration (ns); shared by the span and the call inserts.
_TRACE = """toInt64({start_ns} + cityHash64(t, 1) % {span_ns}) AS t_start,
    {services}[1 + cityHash64(t, 2) % 8] AS service,
    {pick}[1 + cityHash64(t, 3) % 100] AS mi,
    toInt64((0.4 + (cityHash64(t, 9) % 1000) / 400.0) * 1e9) AS chat_ns,
    cityHash64(t, 10) % 100 = 0 AS failed,
    concat({h1}, {h2}) AS trace_id, {root} AS root_id"""
SPANS = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration,
    StatusCode)
SELECT fromUnixTimestamp64Nano(t_start + [0, 5, 10, 220][k] * 1000000) AS ts, trace_id,
    [root_id, {retrieval}, {embed}, {chat}][k], ['', root_id, {retrieval}, root_id][k],
    ['POST /ask', 'retrieve documents', 'embeddings text-embedding-3-small', concat('chat ', {models}[mi])][k],
    ['Server', 'Internal', 'Client', 'Client'][k], service,
    toUInt64([chat_ns + 260000000, 200000000, 50000000, chat_ns][k]),
    if(failed AND k IN (1, 4), 'Error', 'Unset')
FROM (SELECT number AS t, {trace} FROM numbers({first}, {count})) ARRAY JOIN [1, 2, 3, 4] AS k"""
CALLS = """
INSERT INTO llm_calls (timestamp, trace_id, span_id, parent_span_id, span_name, project, service_name, environment,
    operation, provider, request_model, response_model, input_tokens, output_tokens, cache_read_tokens,
    usage_reported, duration_ns, ttft_ns, status, team, feature, user_id, session_id, host_name)
SELECT fromUnixTimestamp64Nano(t_start + [10, 220][k] * 1000000), trace_id, [{embed}, {chat}][k],
    [{retrieval}, root_id][k], ['embeddings text-embedding-3-small', concat('chat ', {models}[mi])][k], 'default',
    service, 'production', ['embeddings', 'chat'][k], ['openai', {providers}[mi]][k],
    ['text-embedding-3-small', {models}[mi]][k], ['text-embedding-3-small', {models}[mi]][k],
    toInt64(exp(5.5 + (cityHash64(t, 11, k) % 1000) / 500.0)), if(k = 1, 0, toInt64(exp(4 + (cityHash64(t, 12) % 1000) / 500.0))),
    if(k = 2 AND cityHash64(t, 13) % 3 = 0, 128, 0), true, toUInt64([50000000, chat_ns][k]),
    if(k = 2, toUInt64(chat_ns / 5), NULL), if(failed AND k = 2, 'error', 'ok'), concat('team-', toString(cityHash64(t, 14) % 7)),
    concat('feature-', toString(cityHash64(t, 15) % 12)), concat('user-', toString(cityHash64(t, 16) % 50000)),
    concat('sess-', toString(cityHash64(t, 17) % 1000000)), if(mi = 7, 'gpu-node-1', '')
FROM (SELECT number AS t, {trace} FROM numbers({first}, {count})) ARRAY JOIN [1, 2] AS k"""
COSTS = """
INSERT INTO request_costs (timestamp, trace_id, span_id, project, service_name, environment, team, feature, user_id,
    provider, model, input_tokens, output_tokens, cache_read_tokens, status, priced, reason, currency, cost_input,
    cost_cache_read, cost_output, cost_total, entry_id, catalog_version, priced_at)
SELECT timestamp, trace_id, span_id, project, service_name, environment, team, feature, user_id, provider, model,
    input_tokens, output_tokens, cache_read_tokens, status, provider != 'vllm', if(provider = 'vllm', 'no price', ''),
    'USD', toDecimal128(input_tokens - cache_read_tokens, 12) * toDecimal128('0.0000025', 12) AS ci,
    toDecimal128(cache_read_tokens, 12) * toDecimal128('0.00000125', 12) AS cc,
    toDecimal128(output_tokens, 12) * toDecimal128('0.00001', 12) AS co,
    if(provider = 'vllm', NULL, ci + cc + co), concat(provider, '/', model), 'bench', now64(3)
FROM llm_calls WHERE toDate(timestamp) = {day:Date}"""
GPU = """
INSERT INTO request_gpu_costs (hour, timestamp, trace_id, span_id, project, service_name, model, host_name, gpu_host,
    input_tokens, output_tokens, priced, gpu_cost, price_source, currency, computed_at)
SELECT toStartOfHour(timestamp), timestamp, trace_id, span_id, project, service_name, model, host_name, host_name,
    input_tokens, output_tokens, true, toDecimal128(output_tokens, 12) * toDecimal128('0.000004', 12), 'model:H100',
    'USD', toDateTime64('2026-01-01 00:00:00', 3, 'UTC')
FROM llm_calls WHERE provider = 'vllm'"""
RUNS = """
INSERT INTO gpu_cost_runs (hour, computed_at)
SELECT DISTINCT toStartOfHour(timestamp), toDateTime64('2026-01-01 00:00:00', 3, 'UTC') FROM llm_calls
WHERE provider = 'vllm'"""
LIST_CEILING = """
SELECT trace_id, min(timestamp) AS start, count() AS calls, sum(input_tokens) AS tokens FROM llm_calls FINAL
WHERE timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}
GROUP BY trace_id ORDER BY start DESC, trace_id LIMIT 50"""
SPANS_CEILING = "SELECT * FROM otel_traces WHERE TraceId = {trace_id:String}"
_DAY = "timestamp >= {since:DateTime64(9, 'UTC')} AND timestamp < {until:DateTime64(9, 'UTC')}"
FROM_CALLS = f"""
SELECT * FROM (SELECT {trace_rows.LISTED} FROM ({trace_rows.computed(
    _DAY, "hour >= toStartOfHour({since:DateTime64(9, 'UTC')}) AND hour <= {until:DateTime64(9, 'UTC')}",
    "Timestamp >= {since:DateTime64(9, 'UTC')} - INTERVAL 1 HOUR AND Timestamp < {until:DateTime64(9, 'UTC')} "
    "AND TraceId IN (SELECT trace_id FROM llm_calls WHERE " + _DAY + ")")}))
ORDER BY cost DESC, trace_id LIMIT 50"""


def insert_traces(store: Store, first: int, count: int, start_ns: int, span_ns: int) -> None:
    """Traces `first` .. `first + count - 1` (their spans and calls), started at random in [start_ns, + span_ns)."""
    ids = {name: _hex("t", k) for name, k in (("h1", 4), ("h2", 5), ("root", 6))}
    trace = _TRACE.format(start_ns=start_ns, span_ns=span_ns, services=_arr(SERVICES), pick=_PICK, **ids)
    common = {"trace": trace, "retrieval": _hex("t", 7), "embed": _hex("t", 8), "chat": _hex("t", 18),
              "models": _arr(CHAT), "providers": _arr(PROVIDERS)}
    store.command(SPANS.format(first=first, count=count, **common))
    store.command(CALLS.format(first=first, count=count, **common))


def generate(store: Store, rows: int, days: int, chunks: int, end: datetime, costs: bool = True) -> None:
    """`costs=False` leaves the token-priced cost rows to the cost job (bench/scale.py runs it, so the rollups the
    dashboard reads are queued and built as in the service)."""
    traces = rows // 2
    span_ns = days * 86400 * 10**9
    start_ns = int(end.timestamp() * 1e9) - span_ns
    chunk = -(-traces // chunks)
    for first in range(0, traces, chunk):
        insert_traces(store, first, min(chunk, traces - first), start_ns, span_ns)
    for day in range(days + 1 if costs else 0):
        store.command(COSTS, {"day": (end - timedelta(days=day)).strftime("%Y-%m-%d")})
    store.command(GPU)
    store.command(RUNS)


def steady_state(store: Store, rounds: int, calls: int) -> None:
    """The job as the scheduler runs it in steady state: `rounds` times, `calls` new calls over the last minute
    are ingested and priced (their cost rows, their slices queued, the cost job's watermark), then the job runs."""
    [row] = store.query_arrow("SELECT count() AS n FROM llm_calls").to_pylist()
    first, took = row["n"] // 2 + 1, []
    for _ in range(rounds):
        mark = datetime.now(timezone.utc)
        insert_traces(store, first, calls // 2, int(mark.timestamp() * 1e9) - 60 * 10**9, 60 * 10**9)
        first += calls // 2
        store.command(COSTS.replace("toDate(timestamp) = {day:Date}", "ingested_at > {mark:DateTime64(3, 'UTC')}"),
                      {"mark": time_param(mark, 3)})
        slices = store.query_arrow("SELECT DISTINCT toDateTime64(toStartOfFiveMinutes(timestamp), 0, 'UTC') AS s "
                                   "FROM llm_calls WHERE ingested_at > {mark:DateTime64(3, 'UTC')}",
                                   {"mark": time_param(mark, 3)}).column("s").to_pylist()
        cost_rollup.queue_slices(store, slices)
        now = datetime.now(timezone.utc)
        watermarks.set_watermark(store, "costs", now, now)
        start = time.perf_counter()
        run_trace_summary_job(store, now + timedelta(seconds=1))
        took.append(time.perf_counter() - start)
    print(f"trace summary job in steady state: {calls:,} new calls per run, median {statistics.median(took):.2f} s "
          f"per run ({statistics.median(took) / calls * 1e6:.1f} s per 1 M calls; each run re-reads the traces of "
          f"the queued five-minute slices), load average {os.getloadavg()[0]:.1f}")


def _get(client: TestClient, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code} {response.text[:500]}")
    return response.json()


def measure(store: Store, client: TestClient, end: datetime, runs: int, state: str) -> dict[str, float]:
    day = {"since": (end - timedelta(days=1)).isoformat(), "until": end.isoformat()}
    out: dict[str, float] = {}
    for sort in ("time", "cost", "duration"):
        out[f"list sort={sort}"] = median_ms(lambda s=sort: _get(client, "/api/v1/traces", {**day, "sort": s}), runs)
    out["list service=search-rag"] = median_ms(
        lambda: _get(client, "/api/v1/traces", {**day, "service": "search-rag", "sort": "cost"}), runs)
    cursor = _get(client, "/api/v1/traces", {**day, "sort": "cost"})["next_cursor"]
    out["list page 2 (cursor)"] = median_ms(
        lambda: _get(client, "/api/v1/traces", {**day, "sort": "cost", "cursor": cursor}), runs)
    rows = _get(client, "/api/v1/traces", {**day, "sort": "duration", "limit": str(runs + 1)})["rows"]
    trace_ids = [row["trace_id"] for row in rows]
    _get(client, f"/api/v1/traces/{trace_ids[-1]}")  # warm-up
    times, spans = [], 0
    for trace_id in trace_ids[:runs]:
        start = time.perf_counter()
        spans += len(_get(client, f"/api/v1/traces/{trace_id}")["spans"])
        times.append(time.perf_counter() - start)
    out["one trace"] = statistics.median(times) * 1e3
    params = {k: v.replace("T", " ").replace("+00:00", "") for k, v in day.items()}
    out["COMPARISON list sort=cost computed from the calls (the list before trace_summaries)"] = median_ms(
        lambda: store.query_arrow(FROM_CALLS, params), runs)
    out["CEILING list: the day's calls grouped by trace, llm_calls alone"] = median_ms(
        lambda: store.query_arrow(LIST_CEILING, params), runs)
    out["CEILING one trace: its spans from otel_traces alone"] = median_ms(
        lambda: store.query_arrow(SPANS_CEILING, {"trace_id": trace_ids[0]}), runs)
    print(f"[{state}] load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"{spans / max(len(times), 1):.0f} spans per trace read")
    for name, ms in out.items():
        target = " (target < 500 ms)" if name.startswith(("list", "COMPARISON")) else " (target < 200 ms)" if name == "one trace" else ""
        print(f"[{state}] {name}: {ms:.0f} ms{target}")
    return out


def summarise(store: Store) -> None:
    """The trace summary job over every call, as the scheduler runs it once the cost job has priced them."""
    now = datetime.now(timezone.utc)
    watermarks.set_watermark(store, "costs", now, now)
    [row] = store.query_arrow("SELECT count() AS n FROM llm_calls").to_pylist()
    start = time.perf_counter()
    result = run_trace_summary_job(store, now + timedelta(seconds=2))
    took = time.perf_counter() - start
    [summaries] = store.query_arrow("SELECT count() AS n FROM trace_summaries FINAL").to_pylist()
    print(f"trace summary job: {row['n']:,} calls -> {summaries['n']:,} traces in {took:.1f} s "
          f"({took / row['n'] * 1e6:.1f} s per 1 M calls; {result['days']} days), "
          f"load average {os.getloadavg()[0]:.1f}; calls watermark {time_param(now, 3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="LLM calls (two per trace)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default=None, help="data directory, kept (default: a temporary one, removed)")
    parser.add_argument("--steady-rounds", type=int, default=5)
    parser.add_argument("--steady-calls", type=int, default=20_000, help="new calls per steady-state run")
    parser.add_argument("--reuse", action="store_true", help="--dir holds a generated store: measure it again")
    args = parser.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="spyglass-bench-traces-")
    store = open_store(work, None, "bench")
    migrate(store)
    end = (datetime.now(timezone.utc) - timedelta(minutes=1)).replace(microsecond=0)
    start = time.perf_counter()
    if args.reuse:
        [last] = store.query_arrow("SELECT max(timestamp) AS t FROM llm_calls").to_pylist()
        end = last["t"].replace(tzinfo=timezone.utc, microsecond=0) + timedelta(seconds=1)
    else:
        generate(store, args.rows, args.days, args.chunks, end)
    [row] = store.query_arrow("SELECT (SELECT count() FROM llm_calls) AS calls, (SELECT count() FROM otel_traces) "
                              "AS spans, (SELECT count() FROM llm_calls WHERE timestamp >= now() - INTERVAL 1 DAY) "
                              "AS day").to_pylist()
    print(f"generated {row['calls']:,} calls and {row['spans']:,} spans over {args.days} days "
          f"({row['day']:,} calls in the last day) in {time.perf_counter() - start:.1f} s")
    summarise(store)
    steady_state(store, args.steady_rounds, args.steady_calls)
    with TestClient(build_api(ApiContext(store=store))) as client:
        measure(store, client, end, args.runs, "as inserted")
        for table in ("llm_calls", "otel_traces", "request_costs", "request_gpu_costs", "trace_summaries"):
            store.command(f"OPTIMIZE TABLE {table} FINAL")
        measure(store, client, end, args.runs, "after OPTIMIZE FINAL")
    store.close()
    if not args.dir:  # 3 GB at the defaults
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
