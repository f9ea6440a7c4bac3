"""Apply schema migrations at start and record them in `schema_migrations`.

Numbered migrations run once each, in order, and never change once released: a start on
a database where a numbered migration's SQL differs from what was applied stops with a
clear error rather than running against a schema it does not know. Repeatable ones (the views generated from
code, such as the GenAI normalisation view) run again whenever their rendered SQL
changes, like Flyway's `R__` scripts: the checksum of the statements is recorded.
Every statement is idempotent (IF NOT EXISTS), so a start that died half-way is finished
by the next one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from store.base import Store, query_rows
from store.ddl import DDL, TableSpec
from store.errors import ConfigError

log = logging.getLogger(__name__)

Statements = Callable[[DDL], list[str]]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: Statements


@dataclass(frozen=True)
class RepeatableMigration:
    """Re-applied when its SQL changes; `drop` runs first so the object is recreated."""

    name: str
    statements: Statements
    drop: Statements


_LEDGER = TableSpec(
    name="schema_migrations",
    body="""    `key` String,
    `name` String,
    `checksum` String,
    `applied_at` DateTime64(3, 'UTC') DEFAULT now64(3)""",
    engine="ReplacingMergeTree",
    engine_args=("applied_at",),
    order_by="key",
    sharding_key="cityHash64(key)",
)


def checksum(statements: Sequence[str]) -> str:
    return hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()[:16]


def apply(store: Store, migrations: Sequence[Migration],
          repeatable: Sequence[RepeatableMigration] = ()) -> list[str]:
    """Bring the schema up to date; returns the keys of what was applied now."""
    ddl = DDL(store.database, store.cluster)
    for statement in ddl.create_table(_LEDGER):
        store.command(statement)
    done = {row["key"]: row["checksum"] for row in
            query_rows(store, "SELECT key, argMax(checksum, applied_at) AS checksum "
                              "FROM schema_migrations GROUP BY key")}
    applied: list[str] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        key = f"V{migration.version:04d}"
        statements = migration.statements(ddl)
        if key in done:
            if done[key] != checksum(statements):
                raise ConfigError(
                    f"schema migration {key} ({migration.name}) differs from the one applied to database "
                    f"{store.database!r}: this data was created by a development build whose schema has "
                    "since changed; start with a new --data-dir (or --database)")
            continue
        _run(store, key, migration.name, statements, done_before=())
        applied.append(key)
    for view in repeatable:
        key = f"R:{view.name}"
        statements = view.statements(ddl)
        if done.get(key) == checksum(statements):
            continue
        _run(store, key, view.name, statements, done_before=view.drop(ddl))
        applied.append(key)
    return applied


def _run(store: Store, key: str, name: str, statements: list[str], done_before: Sequence[str]) -> None:
    log.info("migration=%s name=%r statements=%d", key, name, len(statements))
    for statement in [*done_before, *statements]:
        store.command(statement)
    store.command("INSERT INTO schema_migrations (key, name, checksum) VALUES "
                  "({key:String}, {name:String}, {checksum:String})",
                  {"key": key, "name": name, "checksum": checksum(statements)})
