"""One real store shared by the detectors' integration tests (a migration costs seconds; each test writes its
own project, service or host in its own month, so they never read each other's rows)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store, open_store
from tests.helpers.stores import SERVER_URL, drop_database, migrated_database


@pytest.fixture(scope="session", params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def shared_store(request: pytest.FixtureRequest, chdb_dir: Path) -> Iterator[Store]:
    if request.param == "server" and not SERVER_URL:
        pytest.skip("SPYGLASS_TEST_CLICKHOUSE_URL is not set: no ClickHouse server to test against")
    s = migrated_database(request.param, chdb_dir)
    opened = open_store(str(s.get("data_dir", chdb_dir)), s.get("clickhouse_url"), s["database"])
    yield opened
    opened.close()
    drop_database(s.get("data_dir", chdb_dir), s.get("clickhouse_url"), s["database"])
