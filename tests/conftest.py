"""Fixtures for real parts: the service in-process on free ports over a real store.

chDB binds one data path per process, so in-process tests share one session-wide data
directory and isolate themselves by database (one per test). With
SPYGLASS_TEST_CLICKHOUSE_URL set, every `backend`-parametrised test runs again against
that ClickHouse server through clickhouse-connect.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from collector.genai_view import MIGRATION as LLM_CALLS_VIEW
from spyglass.config import Settings
from spyglass.service import Service, endpoints
from store import Store, open_store, query_rows
from store.base import quote_identifier
from store.migrate import apply
from store.migrations import MIGRATIONS
from tests.service_process import free_port

SERVER_URL = os.environ.get("SPYGLASS_TEST_CLICKHOUSE_URL")
_databases = itertools.count()


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "server" and not SERVER_URL:
        pytest.skip("SPYGLASS_TEST_CLICKHOUSE_URL is not set: no ClickHouse server to test against")
    return request.param


def _database() -> str:
    return f"spyglass_test_{os.getpid()}_{next(_databases)}"


def store_settings(backend: str, chdb_dir: Path) -> dict:
    if backend == "server":
        return {"clickhouse_url": SERVER_URL, "database": _database()}
    return {"data_dir": chdb_dir, "database": _database()}


def drop_database(data_dir: Path, clickhouse_url: str | None, database: str) -> None:
    """A test's database goes when the test ends: with a few hundred left in one chDB process, creating the
    next one took ten times as long."""
    opened = open_store(str(data_dir), clickhouse_url, "default")
    try:
        opened.command(f"DROP DATABASE IF EXISTS {quote_identifier(database)} SYNC")
    finally:
        opened.close()


@pytest.fixture
def store(backend: str, chdb_dir: Path) -> Iterator[Store]:
    """A migrated store in a database of its own."""
    s = store_settings(backend, chdb_dir)
    opened = open_store(str(s.get("data_dir", chdb_dir)), s.get("clickhouse_url"), s["database"])
    apply(opened, MIGRATIONS, [LLM_CALLS_VIEW])
    yield opened
    opened.close()
    drop_database(s.get("data_dir", chdb_dir), s.get("clickhouse_url"), s["database"])


class RunningService:
    """The real Service on its own event loop thread, on free ports."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="service-loop", daemon=True)
        self.thread.start()
        self.service = Service(settings)
        asyncio.run_coroutine_threadsafe(self.service.start(), self.loop).result(120)

    @property
    def store(self) -> Store:
        assert self.service.store is not None
        return self.service.store

    @property
    def otlp_http(self) -> str:
        return endpoints(self.settings)["OTLP/HTTP"]

    @property
    def otlp_grpc(self) -> str:
        return endpoints(self.settings)["OTLP/gRPC"]

    @property
    def api(self) -> str:
        return endpoints(self.settings)["API"]

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        return query_rows(self.store, sql, params)

    def count(self, table: str) -> int:
        final = " FINAL" if table == "llm_calls" else ""
        return self.rows(f"SELECT count() AS n FROM {table}{final}")[0]["n"]

    def ready(self) -> bool:
        return httpx.get(f"{self.api}/readyz", timeout=5).status_code == 200

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.service.stop(), self.loop).result(120)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def make_settings(backend: str, chdb_dir: Path, **overrides) -> Settings:
    # In-process tests decode on a thread (no worker start-up per test); the worker pool has
    # tests of its own, and the subprocess services run with the default pool.
    defaults = dict(otlp_http_port=free_port(), otlp_grpc_port=free_port(), api_port=free_port(), dashboard=False,
                    batch_linger_ms=5, decode_workers=0, self_metrics_interval_seconds=3600)
    return Settings(**store_settings(backend, chdb_dir), **{**defaults, **overrides})


@pytest.fixture
def service_factory(backend: str, chdb_dir: Path):
    """Start services with chosen settings; all are stopped at the end of the test."""
    started: list[RunningService] = []

    def start(**overrides) -> RunningService:
        running = RunningService(make_settings(backend, chdb_dir, **overrides))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
        drop_database(running.settings.data_dir, running.settings.clickhouse_url, running.settings.database)


@pytest.fixture
def service(service_factory) -> RunningService:
    return service_factory()
