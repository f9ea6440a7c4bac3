"""Apply TTLs to tables, and read the TTL each table has: how retention reaches ClickHouse.

A TTL is set with `ALTER TABLE ... MODIFY TTL` and taken off with `REMOVE TTL`. Before a table first gets one,
two of its settings are set: `ttl_only_drop_parts = 1`, so ClickHouse drops a part once every row of it has
expired and never rewrites a part to delete rows (our tables are partitioned by day, so a day goes at once), and
`materialize_ttl_recalculate_only = 1`, so the MATERIALIZE TTL that follows a MODIFY TTL only recomputes each
existing part's TTL bounds instead of rewriting every column of every part. Applying is idempotent: the TTL in
force is read from the table's definition (`system.tables.engine_full`) and a table is altered only where it
differs, so a second start with the same settings runs no ALTER at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from store.base import Store, query_rows
from store.ddl import DDL

log = logging.getLogger(__name__)

DROP_PARTS = {"ttl_only_drop_parts": "1", "materialize_ttl_recalculate_only": "1"}
_TTL = re.compile(r" TTL (.+?)(?: SETTINGS |$)")
_SETTINGS = re.compile(r" SETTINGS (.*)$")
_SETTING = re.compile(r"(\w+) = ('[^']*'|[^,]+)")
_DAYS = re.compile(r"^toDateTime\(\w+\) \+ toIntervalDay\((\d+)\)$")


@dataclass(frozen=True)
class TableTtl:
    """What a table's definition says about expiry: its TTL expression (None: none) and its MergeTree settings."""

    ttl: str | None
    settings: dict[str, str]

    @property
    def days(self) -> int | None:
        """The days a TTL of ours keeps rows (None: no TTL, or one that is not `time + n days`)."""
        match = _DAYS.match(self.ttl or "")
        return int(match.group(1)) if match else None


def parse_engine(engine_full: str) -> TableTtl:
    """The TTL and settings of a table from its `engine_full` (`MergeTree PARTITION BY ... TTL ... SETTINGS ...`)."""
    ttl = _TTL.search(engine_full)
    settings = _SETTINGS.search(engine_full)
    return TableTtl(_normal(ttl.group(1)) if ttl else None,
                    {name: value.strip() for name, value in _SETTING.findall(settings.group(1))} if settings else {})


def read(store: Store, tables: list[str]) -> dict[str, TableTtl]:
    """The TTL in force of each of `tables` that exists (front names; read from the tables that hold the rows)."""
    ddl = DDL(store.database, store.cluster)
    local = {ddl.local(table): table for table in tables}
    rows = query_rows(store, "SELECT name, engine_full FROM system.tables "
                             "WHERE database = currentDatabase() AND name IN {names:Array(String)}",
                      {"names": list(local)})
    return {local[row["name"]]: parse_engine(row["engine_full"]) for row in rows}


def changes(ddl: DDL, wanted: Mapping[str, str | None], current: Mapping[str, TableTtl]) -> dict[str, list[str]]:
    """The statements that bring each table of `current` to its wanted TTL ({table: statements}, only tables that
    differ): the part-dropping settings where a TTL is wanted and they are missing, then the TTL where it differs.
    Pure, so what a start would do can be checked without doing it."""
    out: dict[str, list[str]] = {}
    for table, has in current.items():
        if table not in wanted:
            continue
        expression = wanted[table]
        ttl = _normal(expression) if expression else None
        statements: list[str] = []
        missing = {name: value for name, value in DROP_PARTS.items() if has.settings.get(name) != value}
        if ttl is not None and missing:
            statements += ddl.modify_settings(table, ", ".join(f"{k} = {v}" for k, v in missing.items()))
        if ttl != has.ttl:
            statements += ddl.modify_ttl(table, ttl) if ttl is not None else ddl.remove_ttl(table)
        if statements:
            out[table] = statements
    return out


def apply(store: Store, wanted: Mapping[str, str | None]) -> list[str]:
    """Give each table of `wanted` its TTL (None: no TTL), altering only tables that differ; returns those."""
    ddl = DDL(store.database, store.cluster)
    todo = changes(ddl, wanted, read(store, list(wanted)))
    for table, statements in todo.items():
        for statement in statements:
            store.command(statement)
        log.info("retention table=%s ttl=%r", table, wanted[table])
    return list(todo)


def _normal(expression: str) -> str:
    return " ".join(expression.split())
