"""Fixtures for real parts: the service in-process on free ports over a real store.

chDB binds one data path per process, so in-process tests share one session-wide data
directory and isolate themselves by database (one per test). With
SPYGLASS_TEST_CLICKHOUSE_URL set, every `backend`-parametrised test runs again against
that ClickHouse server through clickhouse-connect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store, open_store
from tests.helpers.in_process import RunningService, make_settings
from tests.helpers.stores import SERVER_URL, drop_database, migrated_database

pytest_plugins = ("tests.helpers.fleet", "tests.helpers.gpu_fleet", "tests.helpers.browser", "tests.helpers.ops_fleet")


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "server" and not SERVER_URL:
        pytest.skip("SPYGLASS_TEST_CLICKHOUSE_URL is not set: no ClickHouse server to test against")
    return request.param


@pytest.fixture
def store(backend: str, chdb_dir: Path) -> Iterator[Store]:
    """A migrated store in a database of its own."""
    s = migrated_database(backend, chdb_dir)
    opened = open_store(str(s.get("data_dir", chdb_dir)), s.get("clickhouse_url"), s["database"])
    yield opened
    opened.close()
    drop_database(s.get("data_dir", chdb_dir), s.get("clickhouse_url"), s["database"])


@pytest.fixture
def service_factory(backend: str, chdb_dir: Path):
    """Start services with chosen settings (and Service `parts`); all are stopped at the end of the test."""
    started: list[RunningService] = []

    def start(parts: dict | None = None, **overrides) -> RunningService:
        running = RunningService(make_settings(backend, chdb_dir, **overrides), **(parts or {}))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
    # All stopped first: services restarted on one database must not see it dropped under them.
    for settings in {r.settings.database: r.settings for r in started}.values():
        drop_database(settings.data_dir, settings.clickhouse_url, settings.database)


@pytest.fixture
def service(service_factory) -> RunningService:
    return service_factory()
