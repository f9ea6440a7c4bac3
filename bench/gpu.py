"""GPU telemetry benchmark: a simulated fleet of 1,000 GPUs at 5 s resolution, through the real service.

    .venv/bin/python bench/gpu.py [--gpus 1000] [--rounds 240] [--clients 8] [--hosts-per-request 125]
                                  [--fleet-hours 24] [--runs 5] [--skip-ingest] [--skip-fleet] [--dir DIR] [--reuse]

1. Ingest, end to end. The fleet is `--gpus` GPUs on hosts of 8, each host exporting what
   `spyglass gpu-agent` exports every round: 7 hw.* metrics (utilisation, memory utilisation,
   memory usage and limit, power, energy, temperature) per GPU, with the agent's scope and
   attribute set. Requests carry `--hosts-per-request` hosts' resource metrics of one round
   (by default 125 hosts, 7,000 points: what an OpenTelemetry Collector gateway forwarding the
   fleet sends, its batch processor cutting at 8,192 items; `--hosts-per-request 25 --clients 32`
   is closer to many agents sending at once), pre-encoded as OTLP
   protobuf, POSTed by `--clients` keep-alive connections to `spyglass up` (a subprocess with
   its default decode workers) faster than real time: `--rounds` rounds of 5 s. A 200 means
   the rows are committed; the figure is metric data points per second, and the run checks
   that gpu_samples holds one row per GPU per round.
   Ceilings, same requests, same run, after the service stopped: (a) protobuf parse + the
   collector's metric decode (raw otel_metrics_* rows and the gpu_samples pivot) in one
   process; (b) the store insert alone: the decoded tables inserted into a fresh store in
   batches of about the service's batch size. And where the service's CPU went, per data point,
   by thread (bench/cpu_accounting.py): chDB merges, chDB insert threads, Python, decode workers.
2. Fleet API over `--fleet-hours` hours of the fleet: gpu_samples rows for every GPU every
   5 s are generated in the store (INSERT ... SELECT FROM numbers(), in a child process that
   then merges the rollups, as background merges do during a day of steady ingest, and closes
   the store), `spyglass up --roles api` starts on it (`--reuse` skips the generation and
   queries the store an earlier run left in `--dir`), and GET /api/v1/gpu/fleet?since=24h
   is timed (HTTP round trip, JSON included; the first request after the start on its own, then
   the median of `--runs`), with
   /timeseries and /waste for comparison. The store's own time for the fleet query is
   measured in a child process on the same data (the ceiling of the API figure).
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
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest  # noqa: E402
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue  # noqa: E402
from opentelemetry.proto.metrics.v1.metrics_pb2 import (  # noqa: E402
    Gauge,
    Metric,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource  # noqa: E402

from bench import cpu_accounting  # noqa: E402
from collector.normalise.gpu import AGENT_SCOPE  # noqa: E402
from tests.helpers.service_process import ServiceProcess  # noqa: E402

GPUS_PER_HOST = 8
INTERVAL_S = 5
GIB = 1 << 30
CUMULATIVE = 2


def _kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _uuid(gpu: int) -> str:
    return f"GPU-{gpu:08x}-5a5a-4b4b-8c8c-{gpu:012x}"


def _utilization(gpu: int, round_: int) -> float:
    if gpu % 10 == 0:
        return 0.03                                   # a tenth of the fleet idles
    return 0.2 + 0.7 * ((gpu * 7919 + round_ * 104729) % 1000) / 1000


def host_metrics(host: int, round_: int, time_ns: int) -> ResourceMetrics:
    """One host's agent export of one round: 7 metrics × 8 GPUs."""
    points: dict[str, list[NumberDataPoint]] = {name: [] for name in (
        "hw.gpu.utilization", "hw.gpu.memory.utilization", "hw.gpu.memory.usage", "hw.gpu.memory.limit",
        "hw.power", "hw.energy", "hw.temperature")}
    for index in range(GPUS_PER_HOST):
        gpu = host * GPUS_PER_HOST + index
        ident = [_kv("hw.id", _uuid(gpu)), _kv("hw.gpu.index", str(index)), _kv("hw.model", "NVIDIA H100 80GB HBM3"),
                 _kv("hw.vendor", "NVIDIA")]
        gpu_kind = [*ident, _kv("hw.type", "gpu")]
        busy = _utilization(gpu, round_)
        values = {"hw.gpu.utilization": (busy, [*ident, _kv("hw.gpu.task", "general")]),
                  "hw.gpu.memory.utilization": (busy / 2, ident),
                  "hw.gpu.memory.usage": (int((10 + 60 * busy) * GIB), ident),
                  "hw.gpu.memory.limit": (80 * GIB, ident),
                  "hw.power": (70 + 600 * busy, gpu_kind),
                  "hw.energy": (1e6 + round_ * INTERVAL_S * 400.0, gpu_kind),
                  "hw.temperature": (35 + 40 * busy, gpu_kind)}
        for name, (value, attrs) in values.items():
            point = NumberDataPoint(time_unix_nano=time_ns, attributes=attrs)
            if isinstance(value, int):
                point.as_int = value
            else:
                point.as_double = value
            points[name].append(point)
    metrics = []
    for name, data in points.items():
        if name in ("hw.gpu.memory.usage", "hw.gpu.memory.limit", "hw.energy"):
            metrics.append(Metric(name=name, sum=Sum(data_points=data, aggregation_temporality=CUMULATIVE,
                                                     is_monotonic=name == "hw.energy")))
        else:
            metrics.append(Metric(name=name, gauge=Gauge(data_points=data)))
    resource = Resource(attributes=[_kv("host.name", f"gpu-node-{host:04d}"),
                                    _kv("service.name", "spyglass-gpu-agent")])
    return ResourceMetrics(resource=resource, scope_metrics=[ScopeMetrics(
        scope=InstrumentationScope(name=AGENT_SCOPE), metrics=metrics)])


def build_bodies(gpus: int, rounds: int, hosts_per_request: int, start_ns: int) -> list[bytes]:
    hosts = gpus // GPUS_PER_HOST
    bodies = []
    for round_ in range(rounds):
        time_ns = start_ns + round_ * INTERVAL_S * 1_000_000_000
        for first in range(0, hosts, hosts_per_request):
            request = ExportMetricsServiceRequest(resource_metrics=[
                host_metrics(h, round_, time_ns) for h in range(first, min(first + hosts_per_request, hosts))])
            bodies.append(request.SerializeToString())
    return bodies


def post_all(url: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    """POST every body once over `clients` keep-alive connections; seconds elapsed and request latencies."""
    parts = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            t0 = time.perf_counter()
            conn.request("POST", "/v1/metrics", body, {"Content-Type": "application/x-protobuf"})
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - t0)
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return time.perf_counter() - t0, latencies


def decode_ceiling(bodies: list[bytes]) -> tuple[float, list[dict[str, pa.Table]]]:
    from collector.decode import metrics

    decoded, points, t0 = [], 0, time.perf_counter()
    for body in bodies:
        result = metrics.decode(ExportMetricsServiceRequest.FromString(body), None)
        points += result.accepted
        decoded.append(result.tables)
    return points / (time.perf_counter() - t0), decoded


def insert_ceiling(decoded: list[dict[str, pa.Table]], points: int, batch_rows: int, store_dir: Path) -> float:
    """Data points per second for the store insert alone (all three tables), batched like the service."""
    from spyglass.schema import migrate
    from store.chdb_backend import ChdbStore

    store = ChdbStore(str(store_dir))
    try:
        migrate(store)
        batches: list[dict[str, pa.Table]] = []
        current: dict[str, list[pa.Table]] = {}
        rows = 0
        for tables in decoded:
            for name, table in tables.items():
                current.setdefault(name, []).append(table)
            rows += sum(t.num_rows for n, t in tables.items() if n != "gpu_samples")
            if rows >= batch_rows:
                batches.append({n: pa.concat_tables(ts) for n, ts in current.items()})
                current, rows = {}, 0
        if current:
            batches.append({n: pa.concat_tables(ts) for n, ts in current.items()})
        t0 = time.perf_counter()
        for batch in batches:
            for name, table in batch.items():
                store.insert_arrow(name, table)
        return points / (time.perf_counter() - t0)
    finally:
        store.close()


def ingest(args: argparse.Namespace, work: Path) -> dict:
    start_ns = (int(time.time()) - args.rounds * INTERVAL_S) * 1_000_000_000
    bodies = build_bodies(args.gpus, args.rounds, args.hosts_per_request, start_ns)
    points = args.gpus * 7 * args.rounds
    service = ServiceProcess(work / "ingest-data").start()
    try:
        post_all(service.otlp_http, bodies[:2], args.clients)   # warm-up: worker processes, first parts
        before = cpu_accounting.snapshot(service.process.pid)
        elapsed, latencies = post_all(service.otlp_http, bodies[2:], args.clients)
        sent = points * (len(bodies) - 2) // len(bodies)
        cpu = cpu_accounting.per_item(before, cpu_accounting.snapshot(service.process.pid), sent)
        writer = _get(service.api, "/readyz")["writer"]
    finally:
        service.stop()
    rows = _store_count(work / "ingest-data", "SELECT count() AS n FROM gpu_samples")
    decode_rate, decoded = decode_ceiling(bodies)
    insert_rate = insert_ceiling(decoded, points, 20_000, work / "insert-ceiling")
    latencies.sort()
    return {"gpus": args.gpus, "rounds": args.rounds, "requests": len(bodies), "points_per_request":
            points // len(bodies), "clients": args.clients, "points_per_s": round(sent / elapsed),
            "p50_request_ms": round(latencies[len(latencies) // 2] * 1e3, 1),
            "p99_request_ms": round(latencies[int(len(latencies) * 0.99)] * 1e3, 1),
            "gpu_samples_rows": rows, "expected_rows": args.gpus * args.rounds, "writer_rows": writer["rows"],
            "rows_per_batch": writer["rows"] // max(1, writer["batches"]), "cpu_us_per_point": cpu,
            "ceiling_decode_points_per_s": round(decode_rate), "ceiling_insert_points_per_s": round(insert_rate)}


def generate_sql(gpus: int, first: int, count: int, start_s: int) -> str:
    """gpu_samples rows n = round × gpus + gpu, the same fleet shape as the ingest part."""
    return f"""
INSERT INTO gpu_samples (timestamp, project, host_name, gpu_uuid, gpu_index, gpu_model, gpu_vendor, mig_profile,
    mig_instance, utilization, memory_used_bytes, memory_total_bytes, power_watts, energy_joules, temperature_c,
    k8s_namespace, k8s_pod, k8s_container, source)
SELECT toDateTime64({start_s} + intDiv(n, {gpus}) * {INTERVAL_S}, 9, 'UTC'), 'default',
    concat('gpu-node-', leftPad(toString(intDiv(n % {gpus}, {GPUS_PER_HOST})), 4, '0')),
    concat('GPU-', lower(hex(toUInt32(n % {gpus}))), '-5a5a-4b4b-8c8c-', lower(hex(toUInt64(n % {gpus})))),
    toInt32(n % {gpus} % {GPUS_PER_HOST}), 'NVIDIA H100 80GB HBM3', 'NVIDIA', '', '',
    if(n % {gpus} % 10 = 0, 0.03, 0.2 + 0.7 * (cityHash64(n) % 1000) / 1000) AS u,
    toUInt64((10 + 60 * u) * {GIB}), toUInt64(80 * {GIB}), 70 + 600 * u, 1e6 + intDiv(n, {gpus}) * 2000.0,
    35 + 40 * u, '', '', '', 'agent'
FROM (SELECT number AS n FROM numbers({first}, {count}))"""


def generate(args: argparse.Namespace) -> None:
    """Child process: fill a store with --fleet-hours of the fleet, then close it."""
    from spyglass.schema import migrate
    from store.chdb_backend import ChdbStore

    store = ChdbStore(str(args.generate))
    migrate(store)
    rounds = args.fleet_hours * 3600 // INTERVAL_S
    total, chunks = rounds * args.gpus, 16
    start_s = int(time.time()) - args.fleet_hours * 3600 + 60
    t0 = time.perf_counter()
    for i in range(chunks):
        first, last = total * i // chunks, total * (i + 1) // chunks
        store.command(generate_sql(args.gpus, first, last - first, start_s))
    for table in ("gpu_samples_1m", "gpu_samples_1h"):  # as a day of steady ingest leaves them: merged
        store.command(f"OPTIMIZE TABLE {table} FINAL")
    print(json.dumps({"rows": total, "seconds": round(time.perf_counter() - t0, 1)}))
    store.close()


def explain(args: argparse.Namespace) -> None:
    """Child process: the store's own time for the fleet query (no HTTP, no JSON)."""
    from spyglass.api.common import filters
    from store.chdb_backend import ChdbStore
    from store.queries import gpu

    store = ChdbStore(str(args.explain))
    f = gpu.GpuFilters(filters("24h", None, [], [], []))
    gpu.fleet(store, f)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        gpu.fleet(store, f)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"fleet_sql_ms": round(statistics.median(times) * 1e3, 1)}))
    store.close()


def _get(base: str, path: str) -> dict:
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return json.loads(body)


def _timed(base: str, path: str, runs: int) -> tuple[float, float, dict]:
    """The first request's milliseconds, the median of `runs` more, and the last body."""
    t0 = time.perf_counter()
    body = _get(base, path)
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body = _get(base, path)
        times.append(time.perf_counter() - t0)
    return first * 1e3, statistics.median(times) * 1e3, body


def _store_count(data_dir: Path, sql: str) -> int:
    code = ("import sys, json; from store.chdb_backend import ChdbStore; s = ChdbStore(sys.argv[1]); "
            f"print(s.query_arrow({sql!r}).to_pylist()[0]['n']); s.close()")
    out = subprocess.run([sys.executable, "-c", code, str(data_dir)], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1])


def fleet_api(args: argparse.Namespace, work: Path) -> dict:
    data = work / "fleet-data"
    self = [sys.executable, str(Path(__file__).resolve())]
    if args.reuse and data.exists():  # a store generated by an earlier run in the same --dir
        generated = {"rows": _store_count(data, "SELECT count() AS n FROM gpu_samples"), "seconds": None}
    else:
        generated = json.loads(subprocess.run([*self, "--generate", str(data), "--gpus", str(args.gpus),
                                               "--fleet-hours", str(args.fleet_hours)], capture_output=True,
                                              text=True, check=True).stdout.strip().splitlines()[-1])
    service = ServiceProcess(data, extra_args=["--roles", "api"]).start()
    try:
        fleet_first_ms, fleet_ms, body = _timed(service.api, "/api/v1/gpu/fleet?since=24h", args.runs)
        _, series_ms, _ = _timed(service.api, "/api/v1/gpu/timeseries?since=24h&by=host", args.runs)
        _, waste_ms, waste = _timed(service.api, "/api/v1/gpu/waste?since=24h", args.runs)
    finally:
        service.stop()
    sql = json.loads(subprocess.run([*self, "--explain", str(data), "--runs", str(args.runs)], capture_output=True,
                                    text=True, check=True).stdout.strip().splitlines()[-1])
    return {"rows": generated["rows"], "generate_s": generated["seconds"], "fleet_gpus": len(body["gpus"]),
            "fleet_samples": sum(g["samples"] for g in body["gpus"]),
            "fleet_api_first_ms": round(fleet_first_ms, 1), "fleet_api_ms": round(fleet_ms, 1),
            **sql, "timeseries_by_host_api_ms": round(series_ms, 1), "waste_api_ms": round(waste_ms, 1),
            "idle_gpus": len(waste["gpus"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpus", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=240, help="5 s rounds sent in the ingest part")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--hosts-per-request", type=int, default=125)
    parser.add_argument("--fleet-hours", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--dir", help="work directory (default: a temporary one, removed at the end)")
    parser.add_argument("--reuse", action="store_true",
                        help="fleet part: query the store an earlier run generated in --dir (its merges have settled)")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--explain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args)
        return 0
    if args.explain:
        explain(args)
        return 0
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="spyglass-bench-gpu-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"# bench/gpu.py {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}", flush=True)
        if not args.skip_ingest:
            print(json.dumps({"ingest": ingest(args, work)}), flush=True)
        if not args.skip_fleet:
            print(json.dumps({"fleet_api": fleet_api(args, work)}), flush=True)
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
