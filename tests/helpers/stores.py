"""Stores for tests: a database of their own per test, in the session's chDB directory or on
the ClickHouse server that SPYGLASS_TEST_CLICKHOUSE_URL names."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from spyglass.config.retention import RetentionSettings
from store import open_store
from store.base import quote_identifier

SERVER_URL = os.environ.get("SPYGLASS_TEST_CLICKHOUSE_URL")
# Test data sits at fixed dates in the past, which the default retention would expire under tests that are not
# about retention: the services the helpers start keep everything unless a test sets `retention` itself.
KEEP_EVERYTHING: dict[str, None] = dict.fromkeys(RetentionSettings.model_fields)
KEEP_EVERYTHING_ENV = {f"SPYGLASS_RETENTION__{name.upper()}": "never" for name in KEEP_EVERYTHING}
_databases = itertools.count()


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
