"""What every API router shares: the store dependency, filters from query parameters, JSON rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Query, Request

from spyglass.timerange import rfc3339_ns, time_range
from store import queries
from store.base import Store

Strings = Annotated[list[str], Query()]


def get_store(request: Request) -> Store:
    """The service's store (routers take it as a dependency; tests may build apps over any store)."""
    return request.app.state.store


def filters(since: str | None, until: str | None, project: list[str], service: list[str], model: list[str],
            default_lookback: timedelta = timedelta(hours=24), **extra: list[str]) -> queries.Filters:
    start, end = time_range(since, until, default_lookback)
    return queries.Filters(start, end, tuple(project), tuple(service), tuple(model),
                           {name: tuple(values) for name, values in extra.items() if values})


def nice_step(seconds: float, points: int = 120) -> int:
    """A bucket width a person reads easily, giving at most about `points` buckets."""
    for step in (10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400):
        if seconds / step <= points:
            return step
    return 30 * 86400


def json_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows as JSON-ready dicts, timestamps as RFC 3339 with nanoseconds."""
    rows = table.to_pylist()
    for column in table.schema:
        if pa.types.is_timestamp(column.type):
            raw = table.column(column.name).cast(pa.timestamp("ns", "UTC")).cast(pa.int64()).to_pylist()
            for row, ns in zip(rows, raw, strict=True):
                row[column.name] = rfc3339_ns(ns) if ns is not None else None
    return rows
