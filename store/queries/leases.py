"""Reading and writing lease rows (migration 15): the newest row of a lease says who holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.base import Store, query_rows
from store.params import MS_TYPE, time_param


@dataclass(frozen=True)
class LeaseRow:
    holder: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime


def current(store: Store, name: str) -> LeaseRow | None:
    """The newest claim on lease `name`, or None if it was never claimed."""
    rows = query_rows(store, """
SELECT holder, acquired_at, renewed_at, expires_at FROM leases
WHERE name = {name:String} ORDER BY renewed_at DESC, holder LIMIT 1""", {"name": name})
    return LeaseRow(**rows[0]) if rows else None


def claim(store: Store, name: str, holder: str, acquired_at: datetime, renewed_at: datetime,
          expires_at: datetime) -> None:
    store.command(f"""
INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at)
VALUES ({{name:String}}, {{holder:String}}, {{acquired:{MS_TYPE}}}, {{renewed:{MS_TYPE}}}, {{expires:{MS_TYPE}}})""",
                  {"name": name, "holder": holder, "acquired": time_param(acquired_at, 3),
                   "renewed": time_param(renewed_at, 3), "expires": time_param(expires_at, 3)})
