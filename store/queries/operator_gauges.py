"""What operators scrape from GET /metrics besides Spyglass's own instruments: today's spend and unpriced calls
by project and model (the spend rule's rollup, as every spend page reads it), and firing alerts by severity.

Today is the current UTC day up to `now`; spend is the exact Decimal sum (the caller turns it into the float a
Prometheus sample is).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from store.base import Store, query_rows
from store.queries import spend
from store.queries.filters import Filters

MAX_GROUPS = 10_000  # project × model series at most: a scrape must stay small whatever the fleet


def today(now: datetime) -> Filters:
    """[start of the UTC day of `now`, the next hour boundary after `now`): the hours the rollup has for today."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Filters(start, min(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1),
                              start + timedelta(days=1)))


def spend_today(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Per project and model of today's calls: `cost` (Decimal), `calls` and `unpriced_calls`."""
    rows, _ = spend.breakdown(store, today(now), ["project", "model"], MAX_GROUPS, users=False)
    return [{"project": r["project"], "model": r["model"], "cost": Decimal(r["cost"]), "calls": r["calls"],
             "unpriced_calls": r["unpriced_calls"]} for r in rows]


def firing_by_severity(store: Store) -> dict[str, int]:
    """Alert instances firing now, by severity."""
    rows = query_rows(store, "SELECT severity, count() AS n FROM alert_states FINAL WHERE status = 'firing' "
                             "GROUP BY severity ORDER BY severity")
    return {r["severity"]: r["n"] for r in rows}
