"""What every API router shares: filters from query parameters, bucket widths, JSON rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any

import pyarrow as pa
from fastapi import Query

from spyglass.timerange import rfc3339_ns, time_range
from store import queries

# A repeatable filter (`model=a&model=b`); absent means "all".
Strings = Annotated[list[str] | None, Query()]


def filters(since: str | None, until: str | None, project: Sequence[str] | None, service: Sequence[str] | None,
            model: Sequence[str] | None, default_lookback: timedelta = timedelta(hours=24),
            **extra: Sequence[str] | None) -> queries.Filters:
    start, end = time_range(since, until, default_lookback)
    return queries.Filters(start, end, tuple(project or ()), tuple(service or ()), tuple(model or ()),
                           {name: tuple(values) for name, values in extra.items() if values})


def nice_step(seconds: float, points: int = 120) -> int:
    """A bucket width a person reads easily, giving at most about `points` buckets."""
    for step in (10, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400):
        if seconds / step <= points:
            return step
    return 30 * 86400


def json_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Arrow rows as dicts ready for a wire model, timestamps as RFC 3339 with nanoseconds."""
    rows = table.to_pylist()
    for column in table.schema:
        if pa.types.is_timestamp(column.type):
            raw = table.column(column.name).cast(pa.timestamp("ns", "UTC")).cast(pa.int64()).to_pylist()
            for row, ns in zip(rows, raw, strict=True):
                row[column.name] = rfc3339_ns(ns) if ns is not None else None
    return rows
