"""Reading and writing silences (migration 16): a new version of the row for every change, the newest wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from store.base import Store
from store.params import NS_TYPE, time_param
from store.queries.alerts import rows_of

_TIME = pa.timestamp("ns", "UTC")
SILENCES = pa.schema([
    ("id", pa.string()), ("matchers", pa.list_(pa.string())), ("starts_at", _TIME), ("ends_at", _TIME),
    ("created_by", pa.string()), ("comment", pa.string()), ("expired_at", _TIME), ("updated_at", _TIME)])


def write_silence(store: Store, row: dict[str, Any]) -> None:
    store.insert_arrow("silences", pa.Table.from_pylist([row], schema=SILENCES))


def silences(store: Store, unexpired_at: datetime | None = None) -> list[dict[str, Any]]:
    """Every silence in its newest version, newest first; with `unexpired_at`, only those not over by then."""
    if unexpired_at is None:
        return rows_of(store.query_arrow("SELECT * FROM silences FINAL ORDER BY starts_at DESC, id"))
    return rows_of(store.query_arrow(f"""
SELECT * FROM silences FINAL
WHERE ends_at > {{at:{NS_TYPE}}} AND (expired_at IS NULL OR expired_at > {{at:{NS_TYPE}}})
ORDER BY starts_at DESC, id""", {"at": time_param(unexpired_at)}))


def silence(store: Store, silence_id: str) -> dict[str, Any] | None:
    rows = rows_of(store.query_arrow("SELECT * FROM silences FINAL WHERE id = {id:String}", {"id": silence_id}))
    return rows[0] if rows else None
