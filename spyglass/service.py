"""The service: one process that owns the store and wires the independent parts.

Roles are separable (`--roles collector,api,scheduler`): the collector (OTLP/HTTP and
OTLP/gRPC receivers, batching writer), the API (REST, health) and the scheduler (periodic
jobs) only share the store, so with a ClickHouse server many collector processes and API
processes can run beside one scheduler.
The dashboard is a child process that reads only through the API.

Shutdown (SIGTERM/SIGINT) is a drain: receivers stop accepting and finish the requests
they hold, which wait for their commit; then the writer flushes what is queued; then the
store closes. Nothing acknowledged is lost, and nothing queued is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import uvicorn
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from alerts.evaluation import Detector
from alerts.incidents.desk import IncidentDesk
from alerts.outbox import Outbox
from alerts.rule_source import RuleSource
from collector.auth import IngestKeys
from collector.batcher import Batcher
from collector.normalise.content import ContentPolicy
from collector.pipeline import Pipeline
from collector.receivers import otlp_grpc as grpc_receiver
from collector.receivers import otlp_http as http_receiver
from collector.receivers.dcgm_scrape import DcgmScraper
from pipelines.costs.catalog_source import CatalogSource
from pipelines.gpu.prices import SHIPPED_PATH as GPU_PRICES_PATH
from pipelines.gpu.prices import GpuPriceTable
from pipelines.gpu.prices import load_table as load_gpu_prices
from runbooks.source import RunbookSource
from spyglass import alerting
from spyglass.alert_telemetry import RuleObserver, delivery_span
from spyglass.api import build_api
from spyglass.api.context import ApiContext, GpuIdle
from spyglass.api.settings_wire import service_settings
from spyglass.config import Settings
from spyglass.jobs import JobParts, scheduled_jobs
from spyglass.lease import Lease
from spyglass.scheduler import Scheduler
from spyglass.schema import migrate
from spyglass.self_traces import SelfTracing, TracedRequests, ratios
from spyglass.telemetry import self_meter_provider
from store import Store, open_store, ttl
from store.errors import ConfigError
from store.file_source import FileSource

log = logging.getLogger("spyglass.service")

DASHBOARD_APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


def streamlit_command(script: Path, host: str, port: int) -> list[str]:
    """How a Streamlit script is served in production. Two of Streamlit's defaults cost every page run CPU that
    only a developer needs (measured with py-spy on the Costs page): the source watcher walks every loaded
    module's path after each run to watch it for edits (a fifth of the dashboard's CPU), and a full garbage
    collection after each run (~0.1 s with pandas, Plotly and Arrow loaded) holds the interpreter while other
    sessions wait; Python's own collector still runs."""
    return [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", host, "--server.port",
            str(port), "--server.headless", "true", "--server.fileWatcherType", "none", "--runner.postScriptGC",
            "false", "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "minimal"]


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def listen(host: str, port: int) -> socket.socket:
    """Bind a listening socket ourselves, so a busy port is one clear error, not an exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio enables TCP_NODELAY only on sockets that say they are TCP,
    # and without it every keep-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    return sock


@dataclass
class Service:
    settings: Settings
    store: Store | None = None
    batcher: Batcher | None = None
    applied_migrations: list[str] = field(default_factory=list)
    retention_altered: list[str] = field(default_factory=list)  # tables whose TTL this start changed
    _servers: list[tuple[_Server, asyncio.Task]] = field(default_factory=list)
    pipeline: Pipeline | None = None
    telemetry: MeterProvider | None = None
    metrics_reader: InMemoryMetricReader | None = None  # the same instruments, for GET /metrics
    self_traces: SelfTracing | None = None
    scheduler: Scheduler | None = None
    _grpc: Any = None
    _dashboard: subprocess.Popen | None = None
    dcgm_scraper: DcgmScraper | None = None
    catalog_source: CatalogSource | None = None
    gpu_prices: FileSource[GpuPriceTable] | None = None
    runbooks: RunbookSource | None = None
    lease: Lease | None = None
    # The detectors rules may name (tests may give their own), the rules loaded at start and where
    # notifications go (the scheduler's outbox).
    detectors: Mapping[str, Detector] = field(default_factory=lambda: alerting.DETECTORS)
    rule_source: RuleSource | None = None
    outbox: Outbox | None = None
    incidents: IncidentDesk | None = None
    # A test seam (spyglass/jobs.py): the time alert evaluation runs at; None is the scheduler's real time.
    alerts_clock: Callable[[], datetime] | None = None

    async def start(self) -> None:
        s = self.settings
        check_roles(s)
        self.store = await asyncio.to_thread(open_store, str(s.data_dir), s.clickhouse_url, s.database,
                                             s.clickhouse_cluster)
        self.applied_migrations = await asyncio.to_thread(migrate, self.store)
        try:
            # Our own metrics exist whatever the roles: through the writer when this process collects, else
            # straight into the store.
            self.metrics_reader = InMemoryMetricReader()
            self.telemetry = self_meter_provider(self._write_own_metrics, s.telemetry.metrics_interval_seconds,
                                                 self.metrics_reader)
            # Our own spans go the same way (never through a receiver: spyglass/self_traces.py).
            self.self_traces = SelfTracing(self._write_own_metrics, ratios(s.telemetry))
            if "scheduler" in s.roles or "api" in s.roles:  # a bad catalog file stops the start (one line)
                self.catalog_source = await asyncio.to_thread(CatalogSource, s.costs.catalog_files,
                                                            s.costs.deployments)
                # A runbook that does not parse, or changed under a recorded version, stops the start (one line).
                self.runbooks = await asyncio.to_thread(RunbookSource, self.store, s.runbooks.dirs)
                # A bad rule file stops the start, one file:line per problem.
                self.rule_source = await asyncio.to_thread(alerting.rule_source, s, self.store, self.detectors)
                self.incidents = alerting.incident_desk(s, self.store, self.runbooks, self.rule_source)
            if "collector" in s.roles:
                await self._start_collector()
            if "scheduler" in s.roles:
                await asyncio.to_thread(self._start_scheduler)
            if "api" in s.roles:
                api = build_api(ApiContext(
                    store=self.store, read_keys=s.read_scopes, admin_keys=s.admin_scopes,
                    readiness=self._readiness, ingest_keys=IngestKeys(s.ingest_keys),
                    catalog_source=self.catalog_source, runbooks=self.runbooks, budgets=tuple(s.costs.budgets),
                    self_hosted_providers=frozenset(p.lower() for p in s.gpu.self_hosted_providers),
                    drift_reports_dir=s.drift_reports_path, redaction=s.content.redaction(),
                    content_projects=frozenset(s.content.capture_projects),
                    gpu_idle=GpuIdle(s.gpu.idle_max_utilization, s.gpu.idle_min_seconds),
                    gpu_max_gap_seconds=s.gpu.sample_max_gap_seconds,
                    quality_rules=alerting.quality_rules(s),
                    dcgm_status=self.dcgm_scraper.status if self.dcgm_scraper else list,
                    rules=self.rule_source, detectors=self.detectors, inhibit_rules=alerting.inhibit_rules(s),
                    incidents=self.incidents, configuration=service_settings(s), own_metrics=self.metrics_reader))
                self._serve(TracedRequests(api, self.self_traces.tracer("api")), s.host, s.api_port, "api")
                if (s.read_keys or s.ingest_keys) and not s.admin_keys:
                    log.warning("keys are configured but admin_keys is empty: every API route that changes state "
                                "(silences, notification replay, reprice) is refused until an admin key is")
                if s.dashboard:
                    self._start_dashboard()
        except BaseException:
            await self.stop()
            raise
        log.info("started roles=%s store=%s", ",".join(s.roles), s.clickhouse_url or s.data_dir)

    def _started(self) -> tuple[Store, MeterProvider]:
        """The store and our own meter provider, which every role needs (start() makes them first)."""
        assert self.store is not None and self.telemetry is not None, "the service has not started"
        return self.store, self.telemetry

    async def _start_collector(self) -> None:
        s = self.settings
        store, telemetry = self._started()
        meter = telemetry.get_meter("spyglass")
        c = s.collector
        self.batcher = Batcher(store, c.batch_max_rows, c.batch_linger_ms / 1000, c.queue_max_rows, meter)
        policy = ContentPolicy(frozenset(s.content.capture_projects), s.content.redaction())
        assert self.self_traces is not None
        self.pipeline = pipeline = Pipeline(self.batcher, c.max_body_bytes, c.decode_workers, meter, policy,
                                            self.self_traces.tracer("ingest"))
        keys = IngestKeys(s.ingest_keys)
        self._serve(http_receiver.build_app(pipeline, keys, c.max_body_bytes, c.retry_after_seconds),
                    s.host, s.otlp_http_port, "otlp-http")
        address = f"[{s.host}]:{s.otlp_grpc_port}" if ":" in s.host else f"{s.host}:{s.otlp_grpc_port}"
        self._grpc, port = grpc_receiver.build_server(pipeline, keys, address, c.max_body_bytes,
                                                      c.retry_after_seconds)
        if not port:
            raise ConfigError(f"cannot listen on {address} (OTLP/gRPC)")
        await self._grpc.start()

    def _start_scheduler(self) -> None:
        """Claim the scheduler lease (a second scheduler on this store refuses to start), then schedule."""
        s, (store, telemetry) = self.settings, self._started()
        assert self.catalog_source is not None, "the scheduler prices with the catalog loaded at start"
        self.gpu_prices = FileSource("GPU prices", [GPU_PRICES_PATH],  # a bad price stops the start
                                     lambda: load_gpu_prices(s.gpu.model_prices, s.gpu.host_prices))
        if s.gpu.dcgm_targets and self.batcher is not None:  # scraped rows go through the collector's writer
            self.dcgm_scraper = DcgmScraper(s.gpu.dcgm_targets, self.batcher.submit, timeout=5.0, project="default")
        self.lease = Lease(store)
        self.lease.acquire()
        # Retention is the store owner's housekeeping: one scheduler per store, so one process applies it.
        self.retention_altered = ttl.apply(store, s.retention.table_ttls())
        # Delivery belongs to the one scheduler: it resumes the outbox's pending notifications.
        assert self.self_traces is not None
        tracer = self.self_traces.tracer("jobs")
        self.outbox = Outbox(store, s.alerts.receivers, s.alerts.delivery_policy(), telemetry.get_meter("spyglass"),
                             on_attempt=delivery_span(tracer))
        self.outbox.start()
        stopping = threading.Event()
        assert self.rule_source is not None, "the scheduler evaluates the rules loaded at start"
        engine = alerting.engine(s, store, self.rule_source, self.detectors, self.outbox, self.outbox.sends_resolved,
                                 self.incidents, RuleObserver(tracer, telemetry.get_meter("spyglass")))
        parts = JobParts(store, self.catalog_source, self.gpu_prices, self.lease, stopping, self.dcgm_scraper, engine,
                         self.alerts_clock)
        self.scheduler = Scheduler(scheduled_jobs(s, parts), telemetry.get_meter("spyglass"), stopping=stopping,
                                   tracer=tracer)
        self.scheduler.start()

    def _write_own_metrics(self, tables: dict[str, pa.Table]) -> Future:
        if self.batcher is not None:
            return self.batcher.submit(tables)
        done: Future = Future()
        try:
            for table, rows in tables.items():
                self._started()[0].insert_arrow(table, rows)
            done.set_result(None)
        except Exception as exc:  # the exporter reports it as a failed export; the SDK keeps counting
            done.set_exception(exc)
        return done

    def _serve(self, app, host: str, port: int, name: str) -> None:
        sock = listen(host, port)
        server = _Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                        timeout_graceful_shutdown=max(1, round(self._drain_seconds()))))
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]), name=name)
        self._servers.append((server, task))

    def _start_dashboard(self) -> None:
        s = self.settings
        env = dashboard_env(s, os.environ)
        self._dashboard = subprocess.Popen(streamlit_command(DASHBOARD_APP, s.host, s.dashboard_port), env=env,
                                           stdout=subprocess.DEVNULL)

    def _readiness(self) -> dict[str, Any]:
        state: dict[str, Any] = {"roles": list(self.settings.roles), "migrations_applied_at_start":
                                 self.applied_migrations}
        if self.scheduler:
            state["jobs"] = self.scheduler.status()
            state["retention_altered_at_start"] = self.retention_altered
        if self.catalog_source:
            state["price_catalog"] = self.catalog_source.status().as_dict()
        if self.gpu_prices:
            state["gpu_prices"] = self.gpu_prices.status().as_dict()
        if self.runbooks:
            state["runbooks"] = self.runbooks.status().as_dict()
        if self.rule_source:
            state["alert_rules"] = self.rule_source.status().as_dict()
        if self.dcgm_scraper:
            state["dcgm_targets"] = self.dcgm_scraper.status()
        if self.outbox:
            state["outbox"] = self.outbox.status()
        if self.batcher:
            stats = self.batcher.stats
            state["writer"] = {"queued_rows": self.batcher.queued_rows, "batches": stats.batches,
                               "rows": stats.rows, "failed_batches": stats.failed_batches,
                               "last_error": stats.last_error}
        return state

    async def stop(self) -> list[str]:
        """Drain within `shutdown_timeout_seconds`: stop accepting, finish in-flight requests, let jobs stop at
        their next chunk, flush the writer, close the store. Returns the jobs abandoned at the deadline."""
        deadline = time.monotonic() + self.settings.shutdown_timeout_seconds
        if self.scheduler is not None:  # jobs wind down while the receivers drain
            self.scheduler.stopping.set()
        if self._grpc is not None:
            await self._grpc.stop(grace=self._drain_seconds())
        for server, _ in self._servers:
            server.should_exit = True
        for _, task in self._servers:
            with contextlib.suppress(Exception):
                await task
        self._servers.clear()
        abandoned: list[str] = []
        if self.scheduler is not None:  # running jobs finish while the writer still accepts their rows
            left = deadline - time.monotonic() - self._close_reserve()
            abandoned = await asyncio.to_thread(self.scheduler.stop, max(left, 0.0))
        if self.outbox is not None:  # sends in progress get what is left of the deadline; the rest stays pending
            left = deadline - time.monotonic() - self._close_reserve()
            await asyncio.to_thread(self.outbox.stop, max(min(left, self.settings.alerts.delivery_timeout_seconds), 0.1))
        if self.lease is not None:
            with contextlib.suppress(Exception):  # an unreachable store: the lease expires by itself
                await asyncio.to_thread(self.lease.release)
        if self.pipeline is not None:
            await asyncio.to_thread(self.pipeline.close)
        if self.telemetry is not None:  # a last export of our own metrics, before the writer drains
            await asyncio.to_thread(self.telemetry.shutdown)
        if self.self_traces is not None:  # and of our own spans
            await asyncio.to_thread(self.self_traces.shutdown)
        if self.batcher is not None:
            await asyncio.to_thread(self.batcher.close)
        if self.dcgm_scraper is not None:
            self.dcgm_scraper.close()
        if self._dashboard is not None:
            self._dashboard.terminate()
            try:
                await asyncio.to_thread(self._dashboard.wait, max(1.0, min(5.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                self._dashboard.kill()
        if self.store is not None and not abandoned:
            self.store.close()
        elif self.store is not None:  # closing would wait for the abandoned jobs' queries; exiting ends them
            log.warning("stopped with %d job(s) abandoned: the store is left to the process exit", len(abandoned))
        log.info("stopped")
        return abandoned

    def _drain_seconds(self) -> float:
        """How long requests in flight may take to finish: 40 % of the shutdown budget."""
        return self.settings.shutdown_timeout_seconds * 0.4

    def _close_reserve(self) -> float:
        """Time kept after the jobs for flushing the writer and closing the store."""
        return min(5.0, self.settings.shutdown_timeout_seconds * 0.25)


def check_roles(s: Settings) -> None:
    """Refuse settings that cannot work in the roles this process runs, rather than drop them silently."""
    if s.gpu.dcgm_targets and not {"collector", "scheduler"} <= set(s.roles):
        raise ConfigError("gpu.dcgm_targets needs the collector and scheduler roles in one process (the scraper is "
                          f"a scheduled job that writes through the collector's writer); this process runs "
                          f"{', '.join(s.roles)}")


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)


def endpoints(settings: Settings) -> dict[str, str]:
    """Where each part listens, for people (the CLI prints it)."""
    host = _connect_host(settings.host)
    out = {}
    if "collector" in settings.roles:
        out["OTLP/HTTP"] = f"http://{host}:{settings.otlp_http_port}"
        out["OTLP/gRPC"] = f"{host}:{settings.otlp_grpc_port}"
    if "api" in settings.roles:
        out["API"] = f"http://{host}:{settings.api_port}"
        if settings.dashboard:
            out["dashboard"] = f"http://{host}:{settings.dashboard_port}"
    return out


async def run_until_signalled(settings: Settings, on_ready: Callable[[], None] = lambda: None,
                              on_signal: Callable[[], None] = lambda: None) -> list[str]:
    """Run until SIGTERM/SIGINT, then drain; returns the jobs abandoned at the shutdown deadline.

    `on_signal` runs (in a thread) before the drain: what the process runs beside the service (the demo's
    fleet) stops sending first, so its last acknowledged requests are in before the receivers close."""
    service = Service(settings)
    await service.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    on_ready()
    await stop.wait()
    await asyncio.to_thread(on_signal)
    log.info("signal received, draining")
    return await service.stop()


def dashboard_env(s: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The dashboard's environment: where the API and the collector are, the read key it reads with, and (unless
    `dashboard_writes` is off) an admin key for the pages that change state: a SPYGLASS_ADMIN_KEY already set
    where `spyglass up` runs wins, else the first of `admin_keys`. With writes off no admin key is passed on, so a
    refused write on the page says the dashboard is read-only rather than acting with a key inherited by accident."""
    env = {**environ, "SPYGLASS_API_URL": f"http://{_connect_host(s.host)}:{s.api_port}",
           "SPYGLASS_OTLP_HTTP_URL": f"http://{_connect_host(s.host)}:{s.otlp_http_port}"}
    if s.read_keys:
        env["SPYGLASS_API_KEY"] = next(iter(s.read_keys))
    if not s.dashboard_writes:
        env.pop("SPYGLASS_ADMIN_KEY", None)
    elif s.admin_keys and not env.get("SPYGLASS_ADMIN_KEY"):
        env["SPYGLASS_ADMIN_KEY"] = next(iter(s.admin_keys))
    return env
