"""Storage benchmark: bytes on disk per span and per call against the OTLP protobuf bytes received (issue 19 §2).

    .venv/bin/python bench/storage.py [--traces 60000] [--per-request 100] [--seed 7] [--json FILE]

1. Builds whole traces as an instrumented application sends them (the protobuf encoder of bench/ingest.py, one
   resource per request, the GenAI semantic conventions): a request's root server span, a retrieval span, one to
   three LLM calls (chat or embeddings, ~3 % failed), and for one trace in five an agent span with tool spans and
   the calls it makes. Every id is random (trace, span, response ids, as real SDKs and providers make them);
   users, sessions, hosts and versions repeat as they do in a fleet; spans start over the last hour.
2. Sends them to the real service (in process, its jobs running, the cost job every second) as OTLP/HTTP
   protobuf, counting the bytes of every body it acknowledged; waits until the cost job has priced every call.
3. OPTIMIZE TABLE ... FINAL on `otel_traces`, `llm_calls` and `request_costs` (what compaction leaves of a closed
   day), then reads system.parts_columns and system.data_skipping_indices: bytes per span / per call, column
   by column, compressed and uncompressed, and the whole parts on disk (columns, marks, primary and skip
   indexes) against the protobuf bytes received per span.

Results and the codec choices they led to: docs/benchmarks.md ("Storage").
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402
from opentelemetry.proto.trace.v1.trace_pb2 import ScopeSpans, Span, Status  # noqa: E402

from bench.ingest import ENVIRONMENTS, ERRORS, FEATURES, MODELS, SERVICES, TEAMS, _kv  # noqa: E402
from store import Store, query_rows  # noqa: E402
from tests.helpers.in_process import RunningService, make_settings  # noqa: E402

TABLES = ("otel_traces", "llm_calls", "request_costs")
MS = 1_000_000
TOOLS = ["search_orders", "get_weather", "run_sql", "fetch_url", "send_email"]
USERS = 50_000
SESSIONS = 200_000


class TraceBuilder:
    """Whole traces of one service instance, appended to one request's scope."""

    def __init__(self, rng: random.Random, now_ns: int) -> None:
        self.rng = rng
        self.now_ns = now_ns
        self.calls = 0

    def request(self, traces: int) -> bytes:
        rng = self.rng
        service = rng.choice(SERVICES)
        request = ExportTraceServiceRequest()
        rs = request.resource_spans.add()
        rs.resource.attributes.extend([
            _kv("service.name", service), _kv("service.version", f"1.{rng.randint(0, 3)}.{rng.randint(0, 9)}"),
            _kv("deployment.environment.name", rng.choice(ENVIRONMENTS)),
            _kv("host.name", f"{service}-{rng.randint(0, 11)}"),
            _kv("telemetry.sdk.name", "opentelemetry"), _kv("telemetry.sdk.language", "python"),
            _kv("telemetry.sdk.version", "1.38.0")])
        app, genai = rs.scope_spans.add(), rs.scope_spans.add()
        app.scope.name, app.scope.version = "opentelemetry.instrumentation.fastapi", "0.59b0"
        genai.scope.name, genai.scope.version = "opentelemetry.instrumentation.openai_v2", "2.1b0"
        for _ in range(traces):
            self._trace(service, app, genai)
        return request.SerializeToString()

    def _span(self, scope: ScopeSpans, trace_id: bytes, parent: bytes, name: str, start: int, end: int,
              kind: int, attrs: list) -> bytes:
        span_id = self.rng.randbytes(8)
        span = Span(trace_id=trace_id, span_id=span_id, parent_span_id=parent, name=name, kind=kind,
                    start_time_unix_nano=start, end_time_unix_nano=end)
        span.attributes.extend(attrs)
        scope.spans.append(span)
        return span_id

    def _trace(self, service: str, app: ScopeSpans, genai: ScopeSpans) -> None:
        rng = self.rng
        trace_id, start = rng.randbytes(16), self.now_ns - rng.randint(60, 3_600) * 10**9 - rng.randint(0, 10**9)
        user, session = rng.randint(1, USERS), rng.randint(1, SESSIONS)
        context = {"team": TEAMS[service], "feature": rng.choice(FEATURES), "user": f"user-{user:05d}",
                   "session": f"sess-{session:06d}"}
        at, calls = start + 5 * MS, []
        retrieval_end = at + rng.randint(20, 200) * MS
        agent = rng.random() < 0.2
        end = retrieval_end + 2_000 * MS * (3 if agent else 1)
        root = self._span(app, trace_id, b"", "POST /ask", start, end, Span.SPAN_KIND_SERVER, [
            _kv("http.request.method", "POST"), _kv("http.route", "/ask"), _kv("http.response.status_code", 200),
            _kv("user.id", context["user"])])
        retrieval = self._span(app, trace_id, root, "retrieve documents", at, retrieval_end, Span.SPAN_KIND_INTERNAL,
                               [_kv("db.system", "qdrant"), _kv("retrieval.documents", rng.randint(3, 12))])
        calls.append((retrieval, at + MS, True))
        parent, at = root, retrieval_end
        if agent:
            parent = self._span(genai, trace_id, root, "invoke_agent support", at, end - MS, Span.SPAN_KIND_INTERNAL, [
                _kv("gen_ai.operation.name", "invoke_agent"), _kv("gen_ai.agent.name", "support")])
            for _ in range(rng.randint(1, 3)):
                tool = rng.choice(TOOLS)
                self._span(genai, trace_id, parent, f"execute_tool {tool}", at, at + rng.randint(5, 400) * MS,
                           Span.SPAN_KIND_INTERNAL, [_kv("gen_ai.operation.name", "execute_tool"),
                                                     _kv("gen_ai.tool.name", tool)])
                calls.append((parent, at, False))
                at += 500 * MS
        calls += [(parent, at + i * 700 * MS, False) for i in range(rng.choice([1, 1, 2]))]
        for call_parent, call_start, embeddings in calls:
            self._call(genai, trace_id, call_parent, call_start, embeddings, context)

    def _call(self, scope: ScopeSpans, trace_id: bytes, parent: bytes, start: int, embeddings: bool,
              context: dict[str, str]) -> None:
        rng = self.rng
        chats = [m for m in MODELS if m[4] != "embeddings"]
        provider, req_model, resp_model, server, operation, _w = (
            next(m for m in MODELS if m[4] == "embeddings") if embeddings else rng.choices(chats, [m[-1] for m in chats])[0])
        input_tokens = int(rng.lognormvariate(6.3, 1.0)) + 1
        output_tokens = 0 if embeddings else int(rng.lognormvariate(5.0, 0.8)) + 1
        duration = int((0.08 if embeddings else 0.35 + output_tokens * 0.012) * rng.uniform(0.7, 1.8) * 1e9)
        attrs = [_kv("gen_ai.operation.name", operation), _kv("gen_ai.provider.name", provider),
                 _kv("gen_ai.request.model", req_model), _kv("server.address", server), _kv("server.port", 443),
                 _kv("spyglass.team", context["team"]), _kv("spyglass.feature", context["feature"]),
                 _kv("user.id", context["user"]), _kv("session.id", context["session"])]
        status = None
        if rng.random() < 0.03:
            error_type, message = rng.choice(ERRORS)
            attrs.append(_kv("error.type", error_type))
            status = Status(code=Status.STATUS_CODE_ERROR, message=message)
        else:
            attrs += [_kv("gen_ai.response.model", resp_model),
                      _kv("gen_ai.response.id", f"chatcmpl-{rng.getrandbits(96):024x}"),
                      _kv("gen_ai.usage.input_tokens", input_tokens),
                      _kv("gen_ai.usage.output_tokens", output_tokens),
                      _kv("gen_ai.usage.cache_read.input_tokens",
                          int(input_tokens * rng.uniform(0.2, 0.9)) if rng.random() < 0.35 else 0)]
            if not embeddings:
                attrs += [_kv("gen_ai.response.finish_reasons", [rng.choices(["stop", "length", "tool_calls"],
                                                                            [90, 4, 6])[0]]),
                          _kv("gen_ai.request.temperature", rng.choice([0.0, 0.2, 0.7, 1.0])),
                          _kv("gen_ai.request.max_tokens", rng.choice([256, 512, 1024, 4096]))]
        self._span(scope, trace_id, parent, f"{operation} {req_model}", start, start + duration,
                   Span.SPAN_KIND_CLIENT, attrs)
        if status is not None:
            scope.spans[-1].status.CopyFrom(status)
        self.calls += 1


def send(otlp_http: str, bodies: list[bytes]) -> int:
    """POST every body; returns the protobuf bytes acknowledged (a 200 means its rows are committed)."""
    received = 0
    with httpx.Client(timeout=120) as client:
        for body in bodies:
            response = client.post(f"{otlp_http}/v1/traces", content=body,
                                   headers={"Content-Type": "application/x-protobuf"})
            if response.status_code != 200:
                raise SystemExit(f"POST /v1/traces: {response.status_code} {response.text[:300]}")
            received += len(body)
    return received


def wait_priced(store: Store, calls: int, timeout: float = 600) -> float:
    """Seconds until request_costs holds a row for every call (the cost job runs every second)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        [row] = query_rows(store, "SELECT (SELECT count() FROM llm_calls FINAL) AS calls, "
                                  "(SELECT count() FROM request_costs FINAL) AS costs")
        if row["calls"] == row["costs"] == calls:
            return time.monotonic() - start
        time.sleep(1)
    raise SystemExit(f"the cost job priced {row['costs']:,} of {row['calls']:,} calls in {timeout:.0f} s")


COLUMNS = """
SELECT table, column, any(type) AS type, sum(column_data_compressed_bytes) AS compressed,
    sum(column_data_uncompressed_bytes) AS uncompressed
FROM system.parts_columns
WHERE active AND database = {database:String} AND table IN {tables:Array(String)}
GROUP BY table, column ORDER BY table, compressed DESC"""
PARTS = """
SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS on_disk, sum(data_compressed_bytes) AS compressed,
    sum(data_uncompressed_bytes) AS uncompressed, sum(marks_bytes) AS marks, sum(primary_key_bytes_in_memory) AS pk,
    count() AS parts
FROM system.parts WHERE active AND database = {database:String} AND table IN {tables:Array(String)} GROUP BY table"""
INDEXES = """
SELECT table, name, sum(data_compressed_bytes) AS compressed FROM system.data_skipping_indices
WHERE database = {database:String} AND table IN {tables:Array(String)} GROUP BY table, name"""


def measure(store: Store, database: str) -> dict[str, dict]:
    """Bytes per row of each table: whole parts, column data, skip indexes, and every column."""
    params = {"database": database, "tables": list(TABLES)}
    out: dict[str, dict] = {}
    for part in query_rows(store, PARTS, params):
        out[part["table"]] = {**part, "columns": {}, "indexes": {}}
    for column in query_rows(store, COLUMNS, params):
        out[column["table"]]["columns"][column["column"]] = column
    for index in query_rows(store, INDEXES, params):
        out[index["table"]]["indexes"][index["name"]] = index["compressed"]
    return out


def report(sizes: dict[str, dict], received: int, spans: int, top: int) -> None:
    print(f"\nOTLP protobuf received: {received:,} bytes for {spans:,} spans = {received / spans:.1f} B/span\n")
    print("| table | rows | on disk B/row | column data compressed B/row | uncompressed B/row | skip indexes B/row "
          "| marks+pk B/row | on disk / protobuf |")
    print("|---|---|---|---|---|---|---|---|")
    for table in TABLES:
        s = sizes[table]
        n = s["rows"]
        print(f"| {table} | {n:,} | {s['on_disk'] / n:.1f} | {s['compressed'] / n:.1f} | {s['uncompressed'] / n:.1f} "
              f"| {sum(s['indexes'].values()) / n:.1f} | {(s['marks'] + s['pk']) / n:.1f} "
              f"| {s['on_disk'] / n / (received / spans):.0%} |")
    for table in TABLES:
        s = sizes[table]
        n = s["rows"]
        print(f"\n{table} by column (the {top} largest compressed; {len(s['columns'])} columns):\n")
        print("| column | type | compressed B/row | uncompressed B/row | share |")
        print("|---|---|---|---|---|")
        for c in list(s["columns"].values())[:top]:
            print(f"| {c['column']} | {c['type']} | {c['compressed'] / n:.2f} | {c['uncompressed'] / n:.2f} "
                  f"| {c['compressed'] / s['compressed']:.0%} |")
        if s["indexes"]:
            print("\nskip indexes: " + ", ".join(f"{name} {b / n:.2f} B/row" for name, b in s["indexes"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, default=60_000, help="traces to send (about 4.5 spans each)")
    parser.add_argument("--per-request", type=int, default=100, help="traces per OTLP request")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=15, help="columns listed per table")
    parser.add_argument("--json", help="write the sizes to this file")
    args = parser.parse_args()
    builder = TraceBuilder(random.Random(args.seed), time.time_ns())
    t0 = time.perf_counter()
    bodies = [builder.request(min(args.per_request, args.traces - first))
              for first in range(0, args.traces, args.per_request)]
    spans = sum(len(s.spans) for b in bodies for rs in ExportTraceServiceRequest.FromString(b).resource_spans
                for s in rs.scope_spans)
    print(f"built {len(bodies):,} requests: {args.traces:,} traces, {spans:,} spans, {builder.calls:,} LLM calls "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)
    work = Path(tempfile.mkdtemp(prefix="spyglass-bench-storage-"))
    service = RunningService(make_settings("chdb", work, costs={"interval_seconds": 1}))
    try:
        t0 = time.perf_counter()
        received = send(service.otlp_http, bodies)
        print(f"sent {received:,} bytes in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"priced every call {wait_priced(service.store, builder.calls):.1f} s after the last request",
              flush=True)
        for table in TABLES:
            service.store.command(f"OPTIMIZE TABLE {table} FINAL")
        sizes = measure(service.store, service.settings.database)
    finally:
        service.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(sizes, received, spans, args.top)
    if args.json:
        Path(args.json).write_text(json.dumps({"received": received, "spans": spans, "sizes": sizes}, indent=2,
                                              default=str))


if __name__ == "__main__":
    main()
