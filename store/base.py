"""The one interface every part of Spyglass uses to reach ClickHouse.

Two backends implement it with the same SQL: embedded chDB (a data directory) and a
ClickHouse server or cluster through clickhouse-connect. Table names in SQL are
unqualified; each backend sets the connection's current database. User input reaches SQL
only as ClickHouse query parameters (`{name:Type}` placeholders and `params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import polars as pl
import pyarrow as pa

Params = Mapping[str, Any] | None
# Every insert: a batch of late or backfilled data may span any number of daily partitions.
# ClickHouse's default refuses more than 100 in one insert, which would make such a batch
# fail on every retry; the rows belong in the days they describe.
INSERT_SETTINGS = {"max_partitions_per_insert_block": 0}


class Store(Protocol):
    """What pipelines, detectors, alerts, the API and the collector may ask of the store."""

    database: str
    cluster: str | None

    def command(self, sql: str, params: Params = None) -> None:
        """Run a statement that returns no rows (DDL, INSERT ... SELECT, OPTIMIZE)."""

    def query_arrow(self, sql: str, params: Params = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        """Insert all rows of `data` (columns named as in the table) in one insert."""

    def close(self) -> None:
        """Release every connection; the store cannot be used afterwards."""


def query_df(store: Store, sql: str, params: Params = None) -> pl.DataFrame:
    """Run a query and return a Polars frame (zero-copy from Arrow where possible)."""
    frame = pl.from_arrow(store.query_arrow(sql, params))
    assert isinstance(frame, pl.DataFrame)
    return frame


def query_rows(store: Store, sql: str, params: Params = None) -> list[dict[str, Any]]:
    """Run a query and return its rows as dictionaries (for small results)."""
    return store.query_arrow(sql, params).to_pylist()


def quote_identifier(name: str) -> str:
    """Quote a table or database name for DDL; names come from our code and config only."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
