"""Ingest benchmark: OTLP/HTTP protobuf traces → committed rows, end to end, against two ceilings.

    .venv/bin/python bench/ingest.py [--clients 4] [--requests 1200 | --duration 60] [--profile]
        [--store-variants] [--json FILE]

Results and their analysis: docs/benchmarks.md.

What it does, in order:

1. Builds realistic GenAI spans (OpenTelemetry GenAI semantic conventions) into a few
   template `ExportTraceServiceRequest` bodies of `--spans` spans each, then derives every
   request body from a template by patching fresh random trace/span ids into the encoded
   bytes, so every span sent is unique (llm_calls collapses duplicates) and building a
   body costs the client ~1 ms. With --requests the bodies are built before the run; with
   --duration the client threads build them as they go.
2. Starts the real service (`spyglass up`, no dashboard, temp data dir) through
   tests/service_process.py, then K client threads with keep-alive connections POST the
   bodies to /v1/traces (application/x-protobuf). A 200 means the rows are committed
   (group commit). Peak RSS of the service (and its children) is sampled with psutil,
   and the service's CPU per thread group is read from /proc before and after.
3. Verifies through GET /api/v1/summary?since=1d that llm_calls holds every acknowledged
   span (and the expected number of error spans), stops the service with SIGTERM, and
   counts otel_traces in a fresh subprocess (no API for it).
4. Measures two ceilings on the same spans, in this process, after the service is gone:
   (a) decode alone: ExportTraceServiceRequest.FromString + collector.decode.traces.decode;
   (b) store insert alone: ChdbStore on a fresh temp dir with migrations and the
       llm_calls view, insert_arrow of the pre-decoded tables, in batches of the size the
       service's group commit can form with K clients (K x spans) and of the batcher's
       maximum (20,480 rows). --store-variants repeats (b) without each view.

--profile prints a cProfile of decode; --json writes the results.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
import pyarrow as pa  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue  # noqa: E402
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status  # noqa: E402

from tests.helpers.service_process import ServiceProcess  # noqa: E402

# ----------------------------------------------------------------------------- spans

# (provider, request model, response model, server.address, operation, weight)
MODELS = [
    ("openai", "gpt-4o", "gpt-4o-2024-08-06", "api.openai.com", "chat", 20),
    ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "api.openai.com", "chat", 30),
    ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "api.anthropic.com", "chat", 15),
    ("anthropic", "claude-haiku-4-5", "claude-haiku-4-5-20251001", "api.anthropic.com", "chat", 8),
    ("gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash", "generativelanguage.googleapis.com",
     "generate_content", 8),
    ("aws.bedrock", "meta.llama3-1-70b-instruct-v1:0", "meta.llama3-1-70b-instruct-v1:0",
     "bedrock-runtime.us-east-1.amazonaws.com", "chat", 4),
    ("openai", "text-embedding-3-small", "text-embedding-3-small", "api.openai.com", "embeddings", 12),
    ("mistral_ai", "mistral-large-latest", "mistral-large-2411", "api.mistral.ai", "chat", 3),
]
SERVICES = ["chat-api", "support-bot", "search-rag", "code-assist", "summarizer", "agent-runner"]
TEAMS = {"chat-api": "consumer", "support-bot": "support", "search-rag": "search", "code-assist": "devtools",
         "summarizer": "docs", "agent-runner": "platform"}
FEATURES = ["answer", "followup", "classify", "extract", "rerank-context", "draft-reply", "autocomplete",
            "summarize-thread"]
ENVIRONMENTS = ["production"] * 8 + ["staging"]
ERRORS = [("RateLimitError", "429 Too Many Requests: rate limit exceeded"),
          ("APITimeoutError", "Request timed out."),
          ("InternalServerError", "500 The server had an error while processing your request.")]


def _kv(key: str, value) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    if isinstance(value, list):
        kv = KeyValue(key=key)
        kv.value.array_value.values.extend(AnyValue(string_value=v) for v in value)
        return kv
    return KeyValue(key=key, value=AnyValue(string_value=value))


@dataclass
class Template:
    body: bytes
    trace_offsets: np.ndarray  # (spans,) byte offset of each 16-byte trace_id
    span_offsets: np.ndarray  # (spans,) byte offset of each 8-byte span_id
    errors: int


def build_template(rng: random.Random, spans: int, error_rate: float, now_ns: int) -> Template:
    """One request body from one service instance (one resource, one scope), as an SDK sends it."""
    service = rng.choice(SERVICES)
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.extend([
        _kv("service.name", service), _kv("service.version", f"1.{rng.randint(0, 9)}.{rng.randint(0, 30)}"),
        _kv("deployment.environment.name", rng.choice(ENVIRONMENTS)),
        _kv("host.name", f"{service}-{rng.randint(0, 11)}"),
        _kv("telemetry.sdk.name", "opentelemetry"), _kv("telemetry.sdk.language", "python"),
        _kv("telemetry.sdk.version", "1.38.0"),
    ])
    ss = rs.scope_spans.add()
    ss.scope.name, ss.scope.version = "opentelemetry.instrumentation.openai_v2", "2.1b0"
    weights = [m[-1] for m in MODELS]
    errors = 0
    ids: list[tuple[bytes, bytes]] = []
    for _ in range(spans):
        provider, req_model, resp_model, server, operation, _w = rng.choices(MODELS, weights)[0]
        trace_id, span_id = rng.randbytes(16), rng.randbytes(8)
        ids.append((trace_id, span_id))
        start = now_ns - rng.randint(1, 3_600) * 1_000_000_000 - rng.randint(0, 999_999_999)
        embeddings = operation == "embeddings"
        input_tokens = int(rng.lognormvariate(6.3, 1.0)) + 1
        output_tokens = 0 if embeddings else int(rng.lognormvariate(5.0, 0.8)) + 1
        duration = int((0.08 if embeddings else 0.35 + output_tokens * 0.012) * rng.uniform(0.7, 1.8) * 1e9)
        span = Span(trace_id=trace_id, span_id=span_id, name=f"{operation} {req_model}", kind=Span.SPAN_KIND_CLIENT,
                    start_time_unix_nano=start, end_time_unix_nano=start + duration)
        if rng.random() < 0.4:
            span.parent_span_id = rng.randbytes(8)
        attrs = [
            _kv("gen_ai.operation.name", operation), _kv("gen_ai.provider.name", provider),
            _kv("gen_ai.request.model", req_model), _kv("server.address", server), _kv("server.port", 443),
            _kv("spyglass.team", TEAMS[service]), _kv("spyglass.feature", rng.choice(FEATURES)),
            _kv("user.id", f"user-{rng.randint(1, 50_000):05d}"),
            _kv("session.id", f"sess-{rng.getrandbits(48):012x}"),
        ]
        failed = rng.random() < error_rate
        if failed:
            errors += 1
            error_type, message = rng.choice(ERRORS)
            attrs.append(_kv("error.type", error_type))
            span.status.CopyFrom(Status(code=Status.STATUS_CODE_ERROR, message=message))
        else:
            attrs += [
                _kv("gen_ai.response.model", resp_model),
                _kv("gen_ai.response.id", f"chatcmpl-{rng.getrandbits(96):024x}"),
                _kv("gen_ai.usage.input_tokens", input_tokens),
                _kv("gen_ai.usage.output_tokens", output_tokens),
                _kv("gen_ai.usage.cache_read.input_tokens",
                    int(input_tokens * rng.uniform(0.2, 0.9)) if rng.random() < 0.35 else 0),
            ]
            if not embeddings:
                attrs += [
                    _kv("gen_ai.response.finish_reasons",
                        [rng.choices(["stop", "length", "tool_calls"], [90, 4, 6])[0]]),
                    _kv("gen_ai.request.temperature", rng.choice([0.0, 0.2, 0.7, 1.0])),
                    _kv("gen_ai.request.max_tokens", rng.choice([256, 512, 1024, 4096])),
                ]
        span.attributes.extend(attrs)
        ss.spans.append(span)
    body = request.SerializeToString()
    trace_offsets, span_offsets = [], []
    for trace_id, span_id in ids:  # random ids: each occurs once in the body (checked)
        for raw, out in ((trace_id, trace_offsets), (span_id, span_offsets)):
            at = body.find(raw)
            if at < 0 or body.find(raw, at + 1) >= 0:
                raise RuntimeError("an id is not unique in its body; use another seed")
            out.append(at)
    return Template(body, np.array(trace_offsets), np.array(span_offsets), errors)


class Bodies:
    """Unique request bodies: a template with fresh random ids patched into its bytes."""

    def __init__(self, templates: list[Template], seed: int) -> None:
        self.templates = templates
        self.seed = seed
        self._index = {id(t): (t.trace_offsets[:, None] + np.arange(16), t.span_offsets[:, None] + np.arange(8))
                       for t in templates}

    def make(self, i: int) -> tuple[bytes, int, int]:
        """Body number i: (bytes, spans, error spans)."""
        template = self.templates[i % len(self.templates)]
        rng = np.random.default_rng((self.seed, i))
        buf = np.frombuffer(template.body, np.uint8).copy()
        trace_idx, span_idx = self._index[id(template)]
        traces = rng.integers(0, 256, trace_idx.shape, np.uint8)
        traces[:, 0] |= 1  # never all zero
        spans = rng.integers(0, 256, span_idx.shape, np.uint8)
        spans[:, 0] |= 1
        buf[trace_idx] = traces
        buf[span_idx] = spans
        return buf.tobytes(), len(template.trace_offsets), template.errors


# ----------------------------------------------------------------------------- end to end


@dataclass
class ClientStats:
    latencies: list[float] = field(default_factory=list)
    spans_ok: int = 0
    errors_ok: int = 0
    requests_ok: int = 0
    retries: int = 0
    failures: dict[str, int] = field(default_factory=dict)


class RssSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._halt = threading.Event()

    def rss(self) -> int:
        total = 0
        for p in [self.process, *self.process.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                value = self.rss()
            except psutil.Error:
                return
            self.peak = max(self.peak, value)
            self.samples.append((time.monotonic(), value))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_clients(url: str, bodies: list[bytes] | None, factory: Bodies, clients: int, requests: int | None,
                duration: float | None) -> tuple[list[ClientStats], float]:
    host, port = url.removeprefix("http://").split(":")
    lock = threading.Lock()
    counter = iter(range(requests if requests else 1 << 62))
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(stats: ClientStats) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        start_barrier.wait()
        while True:
            if duration and time.monotonic() >= deadline[0]:
                break
            with lock:
                i = next(counter, None)
            if i is None:
                break
            if bodies is not None:
                body, spans, errors = bodies[i]
            else:
                body, spans, errors = factory.make(i)
            while True:
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
                    response = conn.getresponse()
                    response.read()
                    status, retry_after = response.status, response.getheader("Retry-After")
                except (OSError, http.client.HTTPException) as exc:
                    stats.failures[type(exc).__name__] = stats.failures.get(type(exc).__name__, 0) + 1
                    conn.close()
                    conn = http.client.HTTPConnection(host, int(port), timeout=120)
                    break
                elapsed = time.perf_counter() - t0
                if status == 200:
                    stats.latencies.append(elapsed)
                    stats.spans_ok += spans
                    stats.errors_ok += errors
                    stats.requests_ok += 1
                    break
                if status in (429, 503):
                    stats.retries += 1
                    time.sleep(float(retry_after or 1))
                    continue
                stats.failures[str(status)] = stats.failures.get(str(status), 0) + 1
                break
        conn.close()

    all_stats = [ClientStats() for _ in range(clients)]
    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in all_stats]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    deadline[0] = time.monotonic() + (duration or 0)
    start_barrier.wait()
    for t in threads:
        t.join()
    return all_stats, time.perf_counter() - t0


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread group of a process, from /proc: the main thread (the asyncio
    event loop: HTTP), the other Python threads (asyncio.to_thread workers doing protobuf
    parse + decode, and the writer thread, which runs chDB's insert on itself), and chDB's
    own pools by thread name."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        task = Path(f"/proc/{p.pid}/task")
        try:
            tids = list(task.iterdir())
        except OSError:
            continue
        for tid in tids:
            try:
                comm = (tid / "comm").read_text().strip()
                fields = (tid / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if p.pid != pid:
                group = f"child {p.name()}"
            elif tid.name == str(pid):
                group = "main thread (event loop, HTTP)"
            elif comm == "python":
                group = "python threads (decode, writer+chDB insert)"
            else:
                group = f"chDB {comm}"
            out[group] = out.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def count_otel_traces(data_dir: Path) -> tuple[int, int]:
    """otel_traces and llm_calls (FINAL) rows, read in a fresh process once the service is gone."""
    code = ("import sys, json; sys.path.insert(0, sys.argv[2]);"
            "from store.chdb_backend import ChdbStore; s = ChdbStore(sys.argv[1]);"
            "t = s.query_arrow('SELECT count() AS n FROM otel_traces').to_pylist()[0]['n'];"
            "l = s.query_arrow('SELECT count() AS n FROM llm_calls FINAL').to_pylist()[0]['n'];"
            "print(json.dumps([t, l])); s.close()")
    out = subprocess.run([sys.executable, "-c", code, str(data_dir), str(ROOT)], capture_output=True, text=True,
                         check=True)
    return tuple(json.loads(out.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------- ceilings


def decode_ceiling(bodies: list[bytes], rounds: int) -> tuple[float, list[pa.Table], dict[str, float]]:
    from collector.decode import traces

    tables, parse_s, decode_s, spans = [], 0.0, 0.0, 0
    for body in bodies[:4]:  # warm-up
        traces.decode(ExportTraceServiceRequest.FromString(body), None)
    for r in range(rounds):
        for body in bodies:
            t0 = time.perf_counter()
            request = ExportTraceServiceRequest.FromString(body)
            t1 = time.perf_counter()
            decoded = traces.decode(request, None)
            t2 = time.perf_counter()
            parse_s += t1 - t0
            decode_s += t2 - t1
            spans += decoded.accepted
            if r == 0:
                tables.append(decoded.tables["otel_traces"])
    total = parse_s + decode_s
    return spans / total, tables, {"parse_s_per_1k": parse_s / spans * 1e3, "decode_s_per_1k": decode_s / spans * 1e3,
                                   "parse_spans_per_s": spans / parse_s, "decode_spans_per_s": spans / decode_s}


def profile_decode(bodies: list[bytes], top: int = 25) -> str:
    from collector.decode import traces

    requests = [ExportTraceServiceRequest.FromString(b) for b in bodies]
    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        traces.decode(request, None)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def insert_ceiling(tables: list[pa.Table], batch_rows: int, store_dir: Path,
                   drop_views: tuple[str, ...] = ()) -> dict[str, float]:
    """Insert the decoded tables into a fresh store, grouped into batches of about `batch_rows` rows.

    `drop_views` removes materialised views first (a what-if, to attribute the cost)."""
    from spyglass.schema import migrate
    from store.chdb_backend import ChdbStore

    store = ChdbStore(str(store_dir))
    try:
        migrate(store)
        for view in drop_views:
            store.command(f"DROP VIEW {view}")
        batches, parts, rows = [], [], 0
        for table in tables:
            parts.append(table)
            rows += table.num_rows
            if rows >= batch_rows:
                batches.append(pa.concat_tables(parts))
                parts, rows = [], 0
        if parts:
            batches.append(pa.concat_tables(parts))
        store.insert_arrow("otel_traces", batches[0].slice(0, 100))  # warm-up (also in the count below)
        cpu0 = thread_cpu(os.getpid())
        t0 = time.perf_counter()
        for batch in batches:
            store.insert_arrow("otel_traces", batch)
        elapsed = time.perf_counter() - t0
        cpu1 = thread_cpu(os.getpid())
        spans = sum(b.num_rows for b in batches)
        cpu_us = {k.replace("main thread (event loop, HTTP)", "inserting thread"): (v - cpu0.get(k, 0.0)) / spans * 1e6
                  for k, v in cpu1.items()}
        counted = store.query_arrow("SELECT count() AS n FROM llm_calls").to_pylist()[0]["n"]
        return {"spans_per_s": spans / elapsed, "spans": spans, "batches": len(batches), "seconds": elapsed,
                "llm_calls_rows": counted, "cpu_us_per_span": {k: round(v, 1) for k, v in cpu_us.items() if v >= 0.5},
                "cpu_us_per_span_total": round(sum(cpu_us.values()), 1)}
    finally:
        store.close()


# ----------------------------------------------------------------------------- main


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections (default 4)")
    parser.add_argument("--requests", type=int, default=1200, help="requests to send (default 1200)")
    parser.add_argument("--duration", type=float, help="send for this many seconds instead of --requests")
    parser.add_argument("--spans", type=int, default=512, help="spans per request (default 512)")
    parser.add_argument("--templates", type=int, default=24, help="distinct template bodies (default 24)")
    parser.add_argument("--error-rate", type=float, default=0.03, help="share of error spans (default 0.03)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--decode-rounds", type=int, default=3, help="passes over the decode sample")
    parser.add_argument("--ceiling-requests", type=int, default=240,
                        help="request bodies used for the ceilings (default 240 = 122,880 spans)")
    parser.add_argument("--service-env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for the service, e.g. SPYGLASS_COLLECTOR__BATCH_LINGER_MS=5 (repeatable)")
    parser.add_argument("--store-variants", action="store_true",
                        help="also measure the insert ceiling without the llm_calls view and/or the trace-id view")
    parser.add_argument("--skip-ceilings", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of collector.decode.traces.decode")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dirs")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    now_ns = time.time_ns()
    t0 = time.perf_counter()
    templates = [build_template(rng, args.spans, args.error_rate, now_ns) for _ in range(args.templates)]
    factory = Bodies(templates, args.seed)
    bodies = None if args.duration else [factory.make(i) for i in range(args.requests)]
    body_kib = statistics.mean(len(t.body) for t in templates) / 1024
    print(f"built {args.templates} templates x {args.spans} spans (mean body {body_kib:.0f} KiB)"
          + ("" if bodies is None else f", {len(bodies)} unique bodies") + f" in {time.perf_counter() - t0:.1f}s",
          flush=True)

    work = Path(tempfile.mkdtemp(prefix="spyglass-bench-ingest-"))
    results: dict[str, object] = {"clients": args.clients, "spans_per_request": args.spans,
                                  "service_env": args.service_env, "body_kib": round(body_kib, 1)}
    env = dict(e.split("=", 1) for e in args.service_env)
    service = ServiceProcess(work / "service-data", env=env)
    try:
        service.start()
        sampler = RssSampler(service.process.pid)
        idle_rss = sampler.rss()
        sampler.start()
        cpu0, client0 = thread_cpu(service.process.pid), time.process_time()
        stats, elapsed = run_clients(service.otlp_http, bodies, factory, args.clients, args.requests,
                                     args.duration)
        cpu1, client_cpu = thread_cpu(service.process.pid), time.process_time() - client0
        sampler.stop()
        cpu = {k: v - cpu0.get(k, 0.0) for k, v in cpu1.items() if v - cpu0.get(k, 0.0) > 0}
        results["service_cpu_s"] = {k: round(v, 2) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])}
        results["service_cpu_per_wall"] = sum(cpu.values()) / elapsed
        results["client_cpu_per_wall"] = client_cpu / elapsed
        latencies = [x for s in stats for x in s.latencies]
        spans_ok = sum(s.spans_ok for s in stats)
        errors_ok = sum(s.errors_ok for s in stats)
        failures: dict[str, int] = {}
        for s in stats:
            for k, v in s.failures.items():
                failures[k] = failures.get(k, 0) + v
        summary = httpx.get(f"{service.api}/api/v1/summary", params={"since": "1d"}, timeout=60).json()
        ready = httpx.get(f"{service.api}/readyz", timeout=10).json()
        results.update({
            "requests_ok": len(latencies), "spans_ok": spans_ok, "seconds": elapsed,
            "spans_per_s": spans_ok / elapsed, "p50_ms": _pct(latencies, 0.5) * 1e3,
            "p99_ms": _pct(latencies, 0.99) * 1e3, "max_ms": max(latencies) * 1e3,
            "retries": sum(s.retries for s in stats), "failures": failures,
            "idle_rss_mib": idle_rss / 2**20, "peak_rss_mib": sampler.peak / 2**20,
            "llm_calls_summary": summary["overall"]["requests"], "llm_calls_errors": summary["overall"]["errors"],
            "error_spans_sent": errors_ok, "writer": ready.get("writer"),
        })
        print(f"end-to-end: {spans_ok:,} spans in {len(latencies)} requests, {elapsed:.1f}s -> "
              f"{spans_ok / elapsed:,.0f} spans/s; p50 {results['p50_ms']:.0f} ms, p99 {results['p99_ms']:.0f} ms; "
              f"peak RSS {results['peak_rss_mib']:.0f} MiB (idle {results['idle_rss_mib']:.0f}); "
              f"retries {results['retries']}, failures {failures or 0}", flush=True)
        print(f"writer: {ready.get('writer')}", flush=True)
        spans_k = spans_ok / 1000
        print(f"service CPU: {results['service_cpu_per_wall']:.2f} cores busy of {os.cpu_count()} "
              f"(client process: {results['client_cpu_per_wall']:.2f}); per 1k spans: "
              + ", ".join(f"{k} {v / spans_k * 1e3:.1f} ms" for k, v in results["service_cpu_s"].items()
                          if v / spans_k * 1e3 >= 0.1), flush=True)
        t_stop = time.perf_counter()
        service.stop()
        results["stop_seconds"] = time.perf_counter() - t_stop
        otel_rows, llm_final = count_otel_traces(service.data_dir)
        results.update({"otel_traces_rows": otel_rows, "llm_calls_final_rows": llm_final})
        ok = summary["overall"]["requests"] == spans_ok == otel_rows == llm_final and \
            summary["overall"]["errors"] == errors_ok
        results["verified"] = ok
        print(f"verify: acknowledged {spans_ok:,}; summary llm_calls {summary['overall']['requests']:,} "
              f"(errors {summary['overall']['errors']:,} vs {errors_ok:,} sent); after SIGTERM: otel_traces "
              f"{otel_rows:,}, llm_calls FINAL {llm_final:,} -> {'OK' if ok else 'MISMATCH'}", flush=True)
    finally:
        service.kill()

    if not args.skip_ceilings:
        sample = [factory.make(10_000_000 + i)[0] for i in range(args.ceiling_requests)]
        decode_rate, tables, stages = decode_ceiling(sample, args.decode_rounds)
        results["decode_spans_per_s"] = decode_rate
        results["decode_stages"] = stages
        print(f"ceiling (a) decode: {decode_rate:,.0f} spans/s (protobuf parse {stages['parse_spans_per_s']:,.0f}/s, "
              f"traces.decode {stages['decode_spans_per_s']:,.0f}/s)", flush=True)
        for label, rows in (("group", args.clients * args.spans), ("max", 20_480)):
            ins = insert_ceiling(tables, rows, work / f"ceiling-{label}")
            results[f"insert_{label}"] = {"batch_rows": rows, **ins}
            print(f"ceiling (b) insert, batches of {rows:,} rows: {ins['spans_per_s']:,.0f} spans/s "
                  f"({ins['batches']} inserts, llm_calls rows {ins['llm_calls_rows']:,}); CPU "
                  f"{ins['cpu_us_per_span_total']} us/span: {ins['cpu_us_per_span']}", flush=True)
        if args.store_variants:
            views = {"without llm_calls_mv": ("llm_calls_mv",),
                     "without otel_traces_trace_id_ts_mv": ("otel_traces_trace_id_ts_mv",),
                     "without both views": ("llm_calls_mv", "otel_traces_trace_id_ts_mv")}
            for label, drop in views.items():
                rows = args.clients * args.spans
                ins = insert_ceiling(tables, rows, work / f"ceiling-{'-'.join(drop)}", drop)
                results[f"insert_group {label}"] = {"batch_rows": rows, **ins}
                print(f"what-if insert {label}, batches of {rows:,} rows: {ins['spans_per_s']:,.0f} spans/s; CPU "
                      f"{ins['cpu_us_per_span_total']} us/span: {ins['cpu_us_per_span']}", flush=True)
        lower = min(decode_rate, results["insert_group"]["spans_per_s"])
        results["lower_ceiling"] = lower
        if args.profile:
            print(profile_decode(sample[:40]))

    e2e = results["spans_per_s"]
    print("\n| measure | value | target |")
    print("|---|---|---|")
    print(f"| end-to-end committed spans/s ({args.clients} clients x {args.spans} spans/request) | {e2e:,.0f} | "
          f">= 30,000 {'met' if e2e >= 30_000 else 'MISSED'} |")
    if "lower_ceiling" in results:
        share = e2e / results["lower_ceiling"]
        results["share_of_lower_ceiling"] = share
        print(f"| ceiling (a) decode, 1 thread | {results['decode_spans_per_s']:,.0f} | |")
        print(f"| ceiling (b) insert incl. llm_calls view, {args.clients * args.spans:,}-row batches | "
              f"{results['insert_group']['spans_per_s']:,.0f} | |")
        print(f"| ceiling (b) insert incl. llm_calls view, 20,480-row batches | "
              f"{results['insert_max']['spans_per_s']:,.0f} | |")
        print(f"| end-to-end / lower ceiling | {share:.0%} | >= 50% {'met' if share >= 0.5 else 'MISSED'} |")
    print(f"| request latency p50 / p99 | {results['p50_ms']:.0f} ms / {results['p99_ms']:.0f} ms | |")
    peak = results["peak_rss_mib"]
    print(f"| peak RSS of the service | {peak:,.0f} MiB | <= 1,536 MiB {'met' if peak <= 1536 else 'MISSED'} |")
    print(f"| all acknowledged spans stored | {'yes' if results['verified'] else 'NO'} | |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
