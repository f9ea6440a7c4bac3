"""GET /api/v1/storage: per table, what it holds on disk, how far back its data reaches, and its retention.

Sizes and time ranges come from ClickHouse's part metadata (store/queries/storage.py), the retention from the
table's own definition: what is in force, whatever the settings of this process say (the process that runs the
scheduler applies `retention:`). The family comes from store/retention.py.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from client.models.storage import Storage
from spyglass.api.common import json_rows
from spyglass.api.context import StoreDep
from spyglass.api.scope import ScopeDep
from store import ttl
from store.base import Store
from store.queries import storage as q
from store.retention import TABLES

router = APIRouter(prefix="/api/v1")
_COUNTS = ("rows", "parts", "compressed_bytes", "uncompressed_bytes")


@router.get("/storage")
def storage(store: StoreDep, scope: ScopeDep) -> Storage:
    """Every table (MergeTree), largest (compressed) first: rows, parts, compressed and uncompressed bytes,
    oldest and newest data (and whether the parts' time range or the rows said so), the TTL in force and its days.
    Whole tables hold every project's rows, so a key scoped to some projects is refused (403)."""
    scope.require(None, "storage figures (every project's tables)")
    tables = [_table(store, row) for row in json_rows(q.table_storage(store))]
    totals = {name: sum(t[name] for t in tables) for name in _COUNTS if name != "parts"}
    return Storage.model_validate({"tables": tables, **totals})


def _table(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """One table's answer (under its front name on a cluster): counts as integers (0 without parts), its family, TTL
    and where its times come from."""
    in_force = ttl.parse_engine(row.pop("engine_full"))
    row["table"] = row.pop("name").removesuffix("_local" if store.cluster else "")
    retained = TABLES.get(row["table"])
    out = {**row, **{k: int(row[k] or 0) for k in _COUNTS},
           "family": retained.family if retained else None, "ttl": in_force.ttl, "retention_days": in_force.days,
           "time_from": "parts" if row["oldest"] else None}
    if out["time_from"] is None and out["rows"] and retained:
        out |= {**json_rows(q.time_span(store, row["table"], retained.time_column))[0], "time_from": "rows"}
    return out
