"""The notification outbox's rows (migration 17): write versions, read the newest version of each.

A row's state is its highest `version` (ReplacingMergeTree, read with FINAL). The delivery worker reads the
pending rows at start, then only rows changed since its last look (a minmax index on `updated_at`), so that a
notification queued or replayed by another process is picked up without rereading the whole outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import pyarrow as pa

from store.base import Store, query_rows
from store.params import MS_TYPE, time_param

TABLE = "notifications"
STATES = ("pending", "delivered", "dead")


@dataclass(frozen=True)
class NotificationRow:
    """One version of one notification in the outbox."""

    id: str
    version: int
    receiver: str
    group_key: str
    status: str
    sequence: int
    idempotency_key: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    last_error: str
    payload: str


COLUMNS = tuple(f.name for f in fields(NotificationRow))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} FINAL"
_SCHEMA = pa.schema([
    ("id", pa.string()), ("version", pa.uint32()), ("receiver", pa.string()), ("group_key", pa.string()),
    ("status", pa.string()), ("sequence", pa.uint64()), ("idempotency_key", pa.string()), ("state", pa.string()),
    ("attempts", pa.uint32()), ("created_at", pa.timestamp("ms", "UTC")),
    ("next_attempt_at", pa.timestamp("ms", "UTC")), ("updated_at", pa.timestamp("us", "UTC")),
    ("delivered_at", pa.timestamp("ms", "UTC")), ("last_error", pa.string()), ("payload", pa.string())])


def insert(store: Store, rows: Sequence[NotificationRow]) -> None:
    """Write row versions, all in one insert."""
    if rows:
        store.insert_arrow(TABLE, pa.Table.from_pylist([asdict(row) for row in rows], schema=_SCHEMA))


def existing_ids(store: Store, ids: Sequence[str]) -> set[str]:
    """Which of `ids` the outbox already holds (in any state)."""
    if not ids:
        return set()
    rows = query_rows(store, f"SELECT DISTINCT id FROM {TABLE} WHERE id IN {{ids:Array(String)}}", {"ids": list(ids)})
    return {row["id"] for row in rows}


def get(store: Store, notification_id: str) -> NotificationRow | None:
    """The newest version of one notification."""
    rows = query_rows(store, f"{_SELECT} WHERE id = {{id:String}}", {"id": notification_id})
    return NotificationRow(**rows[0]) if rows else None


def pending(store: Store, changed_since: datetime | None = None) -> list[NotificationRow]:
    """Notifications whose newest version is pending, oldest due first; with `changed_since`, only those with a
    version written at or after it."""
    if changed_since is None:
        rows = query_rows(store, f"{_SELECT} WHERE state = 'pending' ORDER BY next_attempt_at, id")
    else:
        rows = query_rows(store, f"""{_SELECT} WHERE state = 'pending'
AND id IN (SELECT id FROM {TABLE} WHERE updated_at >= {{since:DateTime64(6, 'UTC')}})
ORDER BY next_attempt_at, id""", {"since": time_param(changed_since)})
    return [NotificationRow(**row) for row in rows]


def listing(store: Store, *, state: str | None = None, receiver: str | None = None, group_key: str | None = None,
            since: datetime | None = None, until: datetime | None = None, limit: int = 100) -> list[NotificationRow]:
    """Notifications newest first (by creation), filtered by any of state, receiver, group key and creation
    window [since, until)."""
    where, params = ["1"], dict[str, object](limit=limit)
    for name, value in (("state", state), ("receiver", receiver), ("group_key", group_key)):
        if value is not None:
            where.append(f"{name} = {{{name}:String}}")
            params[name] = value
    if since is not None:
        where.append(f"created_at >= {{since:{MS_TYPE}}}")
        params["since"] = time_param(since, 3)
    if until is not None:
        where.append(f"created_at < {{until:{MS_TYPE}}}")
        params["until"] = time_param(until, 3)
    rows = query_rows(store, f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY created_at DESC, id "
                             "LIMIT {limit:UInt32}", params)
    return [NotificationRow(**row) for row in rows]


def counts(store: Store) -> dict[str, dict[str, int]]:
    """receiver -> {state: notifications in that state}."""
    rows = query_rows(store, f"SELECT receiver, state, count() AS n FROM {TABLE} FINAL GROUP BY receiver, state")
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["receiver"], {})[row["state"]] = row["n"]
    return out
