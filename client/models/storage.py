"""Storage: how much each table holds, how far back its data reaches, and the retention in force."""

from __future__ import annotations

from typing import Literal

from client.models.wire import Timestamp, Wire


class TableStorage(Wire):
    """One table: its size on disk (active parts), the time range of its data, and its retention."""

    table: str
    family: str | None  # retention family (raw, gpu_samples, calls, rollups, history); None: retention leaves it
    rows: int
    parts: int
    compressed_bytes: int
    uncompressed_bytes: int
    oldest: Timestamp | None  # None: no rows, or no time column to tell
    newest: Timestamp | None
    # Where oldest/newest come from: "parts" = the active parts' min_time/max_time (the range of the time column the
    # table is partitioned by, to the second, from part metadata); "rows" = min/max of the time column (tables not
    # partitioned by time); None: not known.
    time_from: Literal["parts", "rows"] | None
    retention_days: int | None  # days the table's TTL keeps rows after their time; None: no TTL of that form
    ttl: str | None  # the TTL in force, as the table's definition says it; None: no TTL (kept forever)


class Storage(Wire):
    """GET /api/v1/storage: every table (MergeTree), largest (compressed) first, and the totals."""

    tables: list[TableStorage]
    rows: int
    compressed_bytes: int
    uncompressed_bytes: int
