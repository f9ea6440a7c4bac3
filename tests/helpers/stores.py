"""Stores for tests: a database of their own per test, in the session's chDB directory or on
the ClickHouse server that SPYGLASS_TEST_CLICKHOUSE_URL names."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from spyglass.config.retention import RetentionSettings
from spyglass.schema import REPEATABLE, migrate
from store import Store, open_store, query_rows
from store.base import quote_identifier
from store.migrate import apply
from store.migrations import MIGRATIONS

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


@contextmanager
def store_before(backend: str, chdb_dir: Path, version: int) -> Iterator[Store]:
    """A store of its own migrated up to the migration before `version`: what a store that upgrades starts from."""
    settings = store_settings(backend, chdb_dir)
    opened = open_store(str(settings.get("data_dir", chdb_dir)), settings.get("clickhouse_url"), settings["database"])
    try:
        apply(opened, [m for m in MIGRATIONS if m.version < version], REPEATABLE)
        yield opened
    finally:
        opened.close()
        drop_database(settings.get("data_dir", chdb_dir), settings.get("clickhouse_url"), settings["database"])


def migrated_database(backend: str, chdb_dir: Path) -> dict:
    """`store_settings` for a database that is already migrated. On chDB it is a copy of a template migrated once
    per test process: running the 26 migrations took 1.5-2 s per test, copying their result takes a third of
    that (the server backend migrates each database; its tests are few)."""
    settings = store_settings(backend, chdb_dir)
    opened = open_store(str(settings.get("data_dir", chdb_dir)), settings.get("clickhouse_url"), settings["database"])
    try:
        if backend == "server":
            migrate(opened)
        else:
            _copy_template(opened, chdb_dir)
    finally:
        opened.close()
    return settings


_VIEWS = ("View", "MaterializedView")


def _template_tables(store: Store, chdb_dir: Path, template: str) -> list[dict]:
    """The template's tables in the order the migrations made them; the template is made on first use."""
    sql = ("SELECT name, engine, create_table_query, total_rows FROM system.tables WHERE database = {db:String} "
           "ORDER BY metadata_modification_time, name")
    tables = query_rows(store, sql, {"db": template})
    if tables:
        return tables
    made = open_store(str(chdb_dir), None, template)
    try:
        migrate(made)
    finally:
        made.close()
    return query_rows(store, sql, {"db": template})


def _copy_template(target: Store, chdb_dir: Path) -> None:
    template = f"spyglass_template_{os.getpid()}"
    tables = _template_tables(target, chdb_dir, template)
    # Tables before the views that read or fill them; views in the order the migrations made them.
    for table in sorted(tables, key=lambda t: t["engine"] in _VIEWS):
        target.command(table["create_table_query"].replace(f"{template}.", f"{target.database}."))
    for table in tables:
        if table["engine"] not in _VIEWS and table["total_rows"]:
            target.command(f"INSERT INTO {target.database}.{table['name']} SELECT * FROM {template}.{table['name']}")
