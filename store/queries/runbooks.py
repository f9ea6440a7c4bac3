"""The stored runbook versions (migration 20): what was recorded, one version's text, recording new ones.

Rows are immutable; equal rows written by two processes at once collapse here, where every read
keeps the earliest row (`first_seen`) of each (id, version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from store.base import Store, query_rows

# `runbook_versions.first_seen` is the column, where a bare `first_seen` would be the alias min(first_seen).
_EARLIEST = """SELECT id, version, argMin(content_sha256, runbook_versions.first_seen) AS content_sha256,
    argMin(path, runbook_versions.first_seen) AS path, min(first_seen) AS first_seen{body}
FROM runbook_versions
WHERE {where}
GROUP BY id, version"""


@dataclass(frozen=True)
class StoredVersion:
    """One recorded (id, version): its content hash, the file it came from, when it was first seen, its text
    (empty when the query did not ask for it)."""

    id: str
    version: str
    content_sha256: str
    path: str
    first_seen: datetime
    body: str = ""


def recorded(store: Store, ids: Sequence[str]) -> list[StoredVersion]:
    """Every recorded version of `ids`, without their text."""
    rows = query_rows(store, _EARLIEST.format(body="", where="id IN {ids:Array(String)}"), {"ids": list(ids)})
    return [StoredVersion(**row) for row in rows]


def ids(store: Store) -> list[str]:
    """Every runbook id with a recorded version."""
    return [row["id"] for row in query_rows(store, "SELECT DISTINCT id FROM runbook_versions ORDER BY id")]


def read(store: Store, runbook_id: str, version: str) -> StoredVersion | None:
    """One recorded version with its text exactly as it was first seen, or None."""
    rows = query_rows(store, _EARLIEST.format(
        body=",\n    argMin(body, runbook_versions.first_seen) AS body",
        where="id = {id:String} AND version = {version:String}"), {"id": runbook_id, "version": version})
    return StoredVersion(**rows[0]) if rows else None


def record(store: Store, versions: Sequence[StoredVersion]) -> None:
    """Insert new versions in one insert (the caller has checked they are not recorded with other content)."""
    if not versions:
        return
    columns = ("id", "version", "content_sha256", "body", "path", "first_seen")
    store.insert_arrow("runbook_versions", pa.table({
        **{name: pa.array([getattr(v, name) for v in versions], pa.string()) for name in columns[:-1]},
        "first_seen": pa.array([v.first_seen for v in versions], pa.timestamp("ms", "UTC"))}))
